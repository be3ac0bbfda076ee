using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PveEmulator;

namespace PveTokens.Tests.Acl;

/// <summary>What one script run produced, stream by stream.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<string> Information)
{
    public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

    public string FirstErrorId => Assert.Single(Errors).FullyQualifiedErrorId;
}

/// <summary>
/// An in-process PVE emulator and a runspace with the module imported, for cmdlet tests of the ACL
/// area: seed the emulator, connect as root@pam (or a token), run a script, read the streams and
/// the emulator's request log.
/// </summary>
public sealed class AclTestHost : IAsyncDisposable
{
    public const string RootPassword = "Acl-Root-Pass-1";

    private AclTestHost(EmulatorHost emulator, Runspace runspace, CapturingHost host)
    {
        Emulator = emulator;
        Runspace = runspace;
        Host = host;
    }

    /// <summary>What the cmdlets wrote to the host (e.g. -WhatIf lines).</summary>
    public CapturingHost Host { get; }

    public EmulatorHost Emulator { get; }

    public Runspace Runspace { get; }

    public EmulatorState State => Emulator.State;

    public static async Task<AclTestHost> StartAsync(Action<EmulatorState>? seed = null, string pveVersion = "9.2.0")
    {
        EmulatorHost emulator = await EmulatorHost.StartAsync(new EmulatorOptions
        {
            PveVersion = pveVersion,
            RootPassword = RootPassword,
            AuthFailureDelayMs = 0,
        });
        seed?.Invoke(emulator.State);
        InitialSessionState state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(new[] { Infrastructure.PowerShellHost.ModuleManifest });
        var host = new CapturingHost();
        Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        return new AclTestHost(emulator, runspace, host);
    }

    /// <summary>Connects this runspace as root@pam (ticket), making the session the default.</summary>
    public AclTestHost ConnectRoot() => ConnectUser("root@pam", RootPassword);

    public AclTestHost ConnectUser(string userId, string password)
    {
        ScriptResult result = Run(
            "param($Url, $Thumb, $User, $Pass) " +
            "$cred = [pscredential]::new($User, (ConvertTo-SecureString $Pass -AsPlainText -Force)); " +
            "$null = Connect-PveServer -Server $Url -Credential $cred -CertificateThumbprint $Thumb",
            new Hashtable { ["Url"] = Emulator.Url.ToString(), ["Thumb"] = Emulator.CertificateSha256, ["User"] = userId, ["Pass"] = password });
        Assert.Empty(result.Errors);
        return this;
    }

    public AclTestHost ConnectToken(string fullTokenId, string secret)
    {
        ScriptResult result = Run(
            "param($Url, $Thumb, $Token) $null = Connect-PveServer -Server $Url -ApiToken $Token -CertificateThumbprint $Thumb",
            new Hashtable { ["Url"] = Emulator.Url.ToString(), ["Thumb"] = Emulator.CertificateSha256, ["Token"] = fullTokenId + "=" + secret });
        Assert.Empty(result.Errors);
        return this;
    }

    /// <summary>Runs <paramref name="script"/> with -Verbose output captured; terminating errors become error records.</summary>
    public ScriptResult Run(string script, IDictionary? parameters = null)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript("$VerbosePreference = 'Continue'; $ProgressPreference = 'Continue'; $ConfirmPreference = 'None'").AddStatement();
        ps.AddScript(script);
        if (parameters is not null)
        {
            ps.AddParameters(parameters);
        }

        var output = new List<PSObject>();
        var errors = new List<ErrorRecord>();
        try
        {
            Collection<PSObject> results = ps.Invoke();
            output.AddRange(results.Where(r => r is not null));
        }
        catch (RuntimeException e)
        {
            errors.Add(e.ErrorRecord);
        }

        errors.InsertRange(0, ps.Streams.Error);
        return new ScriptResult(output, errors,
            ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Warning.Select(w => w.Message).ToList(),
            ps.Streams.Progress.ToList(),
            ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList());
    }

    /// <summary>Requests the emulator served for <paramref name="method"/> on <paramref name="path"/>.</summary>
    public IReadOnlyList<RequestLogEntry> Requests(string method, string path) =>
        Emulator.RequestLog.Where(r => r.Method == method && r.Path.EndsWith(path, StringComparison.Ordinal)).ToList();

    /// <summary>The emulator's ACL as "path type ugid role propagate" lines, sorted.</summary>
    public IReadOnlyList<string> Acl() =>
        State.AclEntries().Select(e => $"{e.Path} {e.Type} {e.UgId} {e.RoleId} {(e.Propagate ? 1 : 0)}").OrderBy(s => s, StringComparer.Ordinal).ToList();

    public async ValueTask DisposeAsync()
    {
        Runspace.Dispose();
        await Emulator.DisposeAsync();
    }
}
