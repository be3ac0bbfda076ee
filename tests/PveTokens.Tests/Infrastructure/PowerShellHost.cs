using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace PveTokens.Tests.Infrastructure;

/// <summary>
/// An in-process PowerShell with the built module imported, for cmdlet tests. One runspace per
/// host (sessions are per runspace, so each test gets a clean slate); several calls share it, as an
/// interactive user's commands would. Extra cmdlet types (test doubles deriving from the module's
/// bases) can be added.
/// </summary>
/// <example>
/// <code>
/// using var ps = new PowerShellHost();
/// PsResult r = ps.Run("Connect-PveServer -PassThru -Server $url -ApiToken $token -CertificateThumbprint $fp",
///     new() { ["url"] = host.Url.ToString(), ["token"] = "root@pam!ci=…", ["fp"] = host.CertificateSha256 });
/// r.AssertNoErrors();
/// var session = r.Single&lt;PveSession&gt;();
/// </code>
/// </example>
public sealed class PowerShellHost : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellHost(params Type[] extraCmdlets)
    {
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { ModuleManifest });
        foreach (Type type in extraCmdlets)
        {
            var attribute = (CmdletAttribute)Attribute.GetCustomAttribute(type, typeof(CmdletAttribute))!;
            iss.Commands.Add(new SessionStateCmdletEntry($"{attribute.VerbName}-{attribute.NounName}", type, null));
        }

        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
    }

    /// <summary>The module manifest next to the test assembly (copied there by the project reference).</summary>
    public static string ModuleManifest => Path.Combine(AppContext.BaseDirectory, "PveTokens.psd1");

    public Runspace Runspace => _runspace;

    /// <summary>
    /// Runs <paramref name="script"/> with <paramref name="variables"/> set first. Terminating errors
    /// don't throw: they end up in <see cref="PsResult.Errors"/> and <see cref="PsResult.TerminatingError"/>.
    /// </summary>
    public PsResult Run(string script, Dictionary<string, object?>? variables = null, bool verbose = false)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = _runspace;
        foreach (KeyValuePair<string, object?> v in variables ?? new())
        {
            _runspace.SessionStateProxy.SetVariable(v.Key, v.Value);
        }

        _runspace.SessionStateProxy.SetVariable("VerbosePreference", verbose ? "Continue" : "SilentlyContinue");
        _runspace.SessionStateProxy.SetVariable("WarningPreference", "Continue");
        ps.AddScript(script);
        Collection<PSObject> output = new();
        ErrorRecord? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            terminating = e.ErrorRecord;
        }

        return new PsResult(this, output, ps.Streams.Error.ToList(), terminating,
            ps.Streams.Warning.Select(w => w.Message).ToList(),
            ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
            ps.Streams.Debug.Select(d => d.Message).ToList());
    }

    /// <summary>Runs a script and returns what it wrote, formatted as the console would show it.</summary>
    public string Render(string script, Dictionary<string, object?>? variables = null) =>
        string.Join("\n", Run("(" + script + ") | Out-String -Width 500", variables).Output.Select(o => o.ToString()));

    public void Dispose() => _runspace.Dispose();
}

/// <summary>Everything one <see cref="PowerShellHost.Run"/> produced, stream by stream.</summary>
public sealed class PsResult
{
    private readonly PowerShellHost _host;

    internal PsResult(PowerShellHost host, Collection<PSObject> output, List<ErrorRecord> errors, ErrorRecord? terminating,
        List<string> warnings, List<string> verbose, List<string> information, List<string> debug)
    {
        _host = host;
        Output = output;
        TerminatingError = terminating;
        Errors = terminating is null ? errors : errors.Append(terminating).ToList();
        Warnings = warnings;
        Verbose = verbose;
        Information = information;
        Debug = debug;
    }

    public Collection<PSObject> Output { get; }

    /// <summary>Every error, including the terminating one (last) when there was one.</summary>
    public IReadOnlyList<ErrorRecord> Errors { get; }

    /// <summary>The error that ended the script, when one did (e.g. with -ErrorAction Stop).</summary>
    public ErrorRecord? TerminatingError { get; }

    public IReadOnlyList<string> Warnings { get; }

    public IReadOnlyList<string> Verbose { get; }

    public IReadOnlyList<string> Information { get; }

    public IReadOnlyList<string> Debug { get; }

    public IReadOnlyList<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId).ToList();

    /// <summary>The output's base objects of type <typeparamref name="T"/>.</summary>
    public IReadOnlyList<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>().ToList();

    public T Single<T>() => Assert.Single(Objects<T>());

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, "Unexpected errors: " + string.Join("\n", Errors.Select(Describe)));

    /// <summary>The one error, asserted to have this id (e.g. "AuthenticationFailed,PveTokens.Commands.ConnectPveServerCommand").</summary>
    public ErrorRecord SingleError(string fullyQualifiedErrorId)
    {
        ErrorRecord error = Assert.Single(Errors);
        Assert.Equal(fullyQualifiedErrorId, error.FullyQualifiedErrorId);
        return error;
    }

    /// <summary>
    /// Every text the run could show anyone: output rendered by the format views (table and list),
    /// ToString of each object, every error's message, details, recommended action, target and
    /// exception chain, and the warning, verbose, information and debug streams. For secret scans.
    /// </summary>
    public string AllText()
    {
        var sb = new StringBuilder();
        foreach (PSObject o in Output)
        {
            sb.AppendLine(o.ToString());
        }

        if (Output.Count > 0)
        {
            sb.AppendLine(_host.Render("$o | Format-Table", new() { ["o"] = Output.ToArray() }));
            sb.AppendLine(_host.Render("$o | Format-List -Property *", new() { ["o"] = Output.ToArray() }));
        }

        foreach (ErrorRecord e in Errors)
        {
            sb.AppendLine(Describe(e));
        }

        foreach (IReadOnlyList<string> stream in new[] { Warnings, Verbose, Information, Debug })
        {
            foreach (string line in stream)
            {
                sb.AppendLine(line);
            }
        }

        return sb.ToString();
    }

    public static string Describe(ErrorRecord e)
    {
        var sb = new StringBuilder();
        sb.AppendLine(e.FullyQualifiedErrorId + " " + e.CategoryInfo);
        sb.AppendLine(e.ToString());
        sb.AppendLine(e.ErrorDetails?.Message);
        sb.AppendLine(e.ErrorDetails?.RecommendedAction);
        sb.AppendLine(e.TargetObject?.ToString());
        for (Exception? x = e.Exception; x is not null; x = x.InnerException)
        {
            sb.AppendLine(x.GetType().Name + ": " + x.Message);
        }

        return sb.ToString();
    }
}
