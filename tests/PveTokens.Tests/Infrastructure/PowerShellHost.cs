using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace PveTokens.Tests.Infrastructure;

/// <summary>
/// The in-process PowerShell of every cmdlet test: the built module imported into one runspace per
/// instance (sessions are per runspace, so each test gets a clean slate), on a
/// <see cref="CapturingHost"/> so a run also reports its -WhatIf lines, prompts and progress. Several
/// calls share the runspace, as an interactive user's commands would. Extra cmdlet types (test
/// doubles deriving from the module's bases) can be added.
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

        _runspace = RunspaceFactory.CreateRunspace(Host, iss);
        _runspace.Open();
    }

    /// <summary>The module manifest next to the test assembly (copied there by the project reference).</summary>
    public static string ModuleManifest => Path.Combine(AppContext.BaseDirectory, "PveTokens.psd1");

    public Runspace Runspace => _runspace;

    /// <summary>The host the runspace runs on; set <see cref="CapturingHost.PromptAnswer"/> to answer confirmations.</summary>
    public CapturingHost Host { get; } = new();

    /// <summary>
    /// Runs <paramref name="script"/> with <paramref name="variables"/> set first. Terminating errors
    /// don't throw: they end up in <see cref="PsResult.Errors"/> and <see cref="PsResult.TerminatingError"/>.
    /// </summary>
    public PsResult Run(string script, Dictionary<string, object?>? variables = null, bool verbose = false)
    {
        _ = Host.Take();
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

        (List<string> lines, List<string> prompts, List<ProgressRecord> progress) = Host.Take();
        return new PsResult(this, output, ps.Streams.Error.ToList(), terminating)
        {
            Warnings = ps.Streams.Warning.Select(w => w.Message).ToList(),
            Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
            Information = ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
            Debug = ps.Streams.Debug.Select(d => d.Message).ToList(),
            HostLines = lines,
            Prompts = prompts,
            Progress = progress,
        };
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

    internal PsResult(PowerShellHost host, Collection<PSObject> output, List<ErrorRecord> errors, ErrorRecord? terminating)
    {
        _host = host;
        Output = output;
        TerminatingError = terminating;
        Errors = terminating is null ? errors : errors.Append(terminating).ToList();
    }

    public Collection<PSObject> Output { get; }

    /// <summary>Every error, including the terminating one (last) when there was one.</summary>
    public IReadOnlyList<ErrorRecord> Errors { get; }

    /// <summary>The error that ended the script, when one did (e.g. with -ErrorAction Stop).</summary>
    public ErrorRecord? TerminatingError { get; }

    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Verbose { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Information { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Debug { get; init; } = Array.Empty<string>();

    /// <summary>What was written to the host, e.g. the "What if: …" lines.</summary>
    public IReadOnlyList<string> HostLines { get; init; } = Array.Empty<string>();

    /// <summary>The confirmation prompts shown ("caption: message"), answered with <see cref="CapturingHost.PromptAnswer"/>.</summary>
    public IReadOnlyList<string> Prompts { get; init; } = Array.Empty<string>();

    /// <summary>Copies of the progress records as they were written.</summary>
    public IReadOnlyList<ProgressRecord> Progress { get; init; } = Array.Empty<ProgressRecord>();

    public IReadOnlyList<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId).ToList();

    /// <summary>The id of the one error, asserted to be the only one.</summary>
    public string FirstErrorId => Assert.Single(Errors).FullyQualifiedErrorId;

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

        foreach (IReadOnlyList<string> stream in new[] { Warnings, Verbose, Information, Debug, HostLines, Prompts })
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
