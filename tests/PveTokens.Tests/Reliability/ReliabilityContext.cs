using System.Management.Automation;
using PveEmulator;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// An in-process emulator with faults at hand and a PowerShell connected to it (as the token
/// root@pam!rel, privsep 0, or as root@pam with a ticket) with short retry waits, so the retry
/// tests stay fast. The request log is cleared after connecting.
/// </summary>
public sealed class ReliabilityContext : IAsyncDisposable
{
    public const string TokenSecret = "0b7e4f2a-6c1d-4e8f-9a3b-5d2c7e1f0a64";

    private ReliabilityContext(EmulatorHost host, PowerShellHost ps, PveSession session)
    {
        Host = host;
        Ps = ps;
        Session = session;
    }

    public EmulatorHost Host { get; }

    public PowerShellHost Ps { get; }

    public PveSession Session { get; }

    public EmulatorState State => Host.State;

    /// <summary>The requests served since connecting (the emulator logs each one before it answers).</summary>
    public IReadOnlyList<RequestLogEntry> Requests => Host.RequestLog;

    public static async Task<ReliabilityContext> StartAsync(bool ticket = false, string connectOptions = "-MaximumRetryCount 3 -RetryIntervalSec 0.02",
        Action<EmulatorOptions>? configure = null)
    {
        EmulatorHost host = await Emulators.StartAsync(configure);
        host.State.AddUser("ci@pve", password: "Ci-Example-Pass-1");
        host.State.AddToken("ci@pve", "backup", privsep: true, comment: "nightly backup");
        host.State.AddToken("root@pam", "rel", privsep: false, secret: TokenSecret);
        var ps = new PowerShellHost();
        PsResult r = ticket
            ? ps.Run($"Connect-PveServer -PassThru -Server $url -Credential $cred -CertificateThumbprint $fp {connectOptions}",
                Emulators.Vars(host, ("cred", new PSCredential("root@pam", TestSecrets.Secure(Emulators.RootPassword)))))
            : ps.Run($"Connect-PveServer -PassThru -Server $url -ApiToken $tok -CertificateThumbprint $fp {connectOptions}",
                Emulators.Vars(host, ("tok", "root@pam!rel=" + TokenSecret)));
        r.AssertNoErrors();
        var session = r.Single<PveSession>();
        host.ClearRequestLog();
        return new ReliabilityContext(host, ps, session);
    }

    public PsResult Run(string script, params (string Name, object? Value)[] variables)
    {
        var vars = Emulators.Vars(Host, variables);
        vars["s"] = Session;
        return Ps.Run(script, vars, verbose: true);
    }

    public async ValueTask DisposeAsync()
    {
        Ps.Dispose();
        await Host.DisposeAsync();
    }
}
