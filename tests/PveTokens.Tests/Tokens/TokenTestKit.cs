using System.Management.Automation;
using System.Security;
using PveEmulator;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Tokens;

/// <summary>
/// An in-process emulator seeded like the docs' example fixture, and a PowerShell connected to it
/// as root@pam (ticket). The request log is cleared after connecting, so a test sees only its own calls.
/// </summary>
public sealed class TokenTestContext : IAsyncDisposable
{
    public const string BackupSecret = "5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92";

    private TokenTestContext(EmulatorHost host, PowerShellHost ps)
    {
        Host = host;
        Ps = ps;
    }

    public EmulatorHost Host { get; }

    public PowerShellHost Ps { get; }

    public EmulatorState State => Host.State;

    /// <summary>
    /// The calls the emulator served since connecting (or since <see cref="ClearLog"/>); the emulator
    /// logs a call before it answers, so every call a script has made is in it.
    /// </summary>
    public IReadOnlyList<RequestLogEntry> Requests => Host.RequestLog;

    /// <summary>
    /// Users ci@pve (token backup: privsep 1, no expiry, comment "nightly backup"; an ACL entry
    /// PVEVMUser on /vms) and alice@pve (token old, expired in 2023).
    /// </summary>
    public static async Task<TokenTestContext> StartAsync(string pveVersion = "9.2.0", Action<EmulatorState>? seed = null, bool standardSeed = true)
    {
        EmulatorHost host = await Emulators.StartAsync(o => o.PveVersion = pveVersion);
        if (standardSeed)
        {
            host.State.AddGroup("automation", "Service accounts");
            host.State.AddUser("ci@pve", password: "Ci-Example-Pass-1", groups: new[] { "automation" });
            host.State.AddUser("alice@pve", password: "Alice-Example-Pass-1");
            host.State.AddToken("ci@pve", "backup", privsep: true, expire: 0, comment: "nightly backup", secret: BackupSecret);
            host.State.AddToken("alice@pve", "old", privsep: true, expire: 1700000000);
            host.State.AddAcl("/vms", "PVEVMUser", token: "ci@pve!backup", propagate: true);
        }

        seed?.Invoke(host.State);
        var ps = new PowerShellHost();
        var context = new TokenTestContext(host, ps);
        context.Run("$null = Connect-PveServer -Server $url -Credential $cred -CertificateThumbprint $fp",
            ("cred", new PSCredential("root@pam", Secure(Emulators.RootPassword)))).AssertNoErrors();
        host.ClearRequestLog();
        return context;
    }

    public PsResult Run(string script, params (string Name, object? Value)[] variables) => Ps.Run(script, Emulators.Vars(Host, variables));

    public PsResult RunVerbose(string script, params (string Name, object? Value)[] variables) =>
        Ps.Run(script, Emulators.Vars(Host, variables), verbose: true);

    /// <summary>Clears the request log: from here on a test sees only the calls it makes next.</summary>
    public void ClearLog() => Host.ClearRequestLog();

    /// <summary>"METHOD /path" of each call, path below /api2/json.</summary>
    public IReadOnlyList<string> Calls => Requests.Select(r => r.Method + " " + r.Path.Replace("/api2/json", string.Empty, StringComparison.Ordinal)).ToList();

    public (string Path, string Type, string UgId, string RoleId, bool Propagate)[] AclOf(string fullTokenId) =>
        State.AclEntries().Where(e => e.Type == "token" && e.UgId == fullTokenId).OrderBy(e => e.Path).ThenBy(e => e.RoleId).ToArray();

    public static SecureString Secure(string s)
    {
        var secure = new SecureString();
        foreach (char c in s)
        {
            secure.AppendChar(c);
        }

        return secure;
    }

    public async ValueTask DisposeAsync()
    {
        Ps.Dispose();
        await Host.DisposeAsync();
    }
}
