using PveEmulator;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Acl;

/// <summary>
/// The ACL area's fixture: an in-process PVE emulator and a <see cref="PowerShellHost"/> for it. Seed
/// the emulator, connect as root@pam (or a user or token), run a script with -Verbose captured and
/// confirmations off, read the streams and the emulator's request log and ACL.
/// </summary>
public sealed class AclTestHost : IAsyncDisposable
{
    public const string RootPassword = Emulators.RootPassword;

    private AclTestHost(EmulatorHost emulator)
    {
        Emulator = emulator;
        Ps = new PowerShellHost();
        Ps.Run("$global:ConfirmPreference = 'None'").AssertNoErrors();
    }

    public EmulatorHost Emulator { get; }

    /// <summary>The PowerShell the scripts run in.</summary>
    public PowerShellHost Ps { get; }

    public System.Management.Automation.Runspaces.Runspace Runspace => Ps.Runspace;

    public EmulatorState State => Emulator.State;

    public static async Task<AclTestHost> StartAsync(Action<EmulatorState>? seed = null, string pveVersion = "9.2.0")
    {
        EmulatorHost emulator = await Emulators.StartAsync(o => o.PveVersion = pveVersion);
        seed?.Invoke(emulator.State);
        return new AclTestHost(emulator);
    }

    /// <summary>Connects this runspace as root@pam (ticket), making the session the default.</summary>
    public AclTestHost ConnectRoot() => ConnectUser("root@pam", RootPassword);

    public AclTestHost ConnectUser(string userId, string password)
    {
        Run("$cred = [pscredential]::new($user, (ConvertTo-SecureString $pass -AsPlainText -Force)); " +
            "$null = Connect-PveServer -Server $url -Credential $cred -CertificateThumbprint $fp",
            Emulators.Vars(Emulator, ("user", userId), ("pass", password))).AssertNoErrors();
        return this;
    }

    public AclTestHost ConnectToken(string fullTokenId, string secret)
    {
        Run("$null = Connect-PveServer -Server $url -ApiToken $token -CertificateThumbprint $fp",
            Emulators.Vars(Emulator, ("token", fullTokenId + "=" + secret))).AssertNoErrors();
        return this;
    }

    /// <summary>Runs <paramref name="script"/> with -Verbose output captured; terminating errors become error records.</summary>
    public PsResult Run(string script, Dictionary<string, object?>? variables = null) => Ps.Run(script, variables, verbose: true);

    /// <summary>Requests the emulator served for <paramref name="method"/> on <paramref name="path"/>.</summary>
    public IReadOnlyList<RequestLogEntry> Requests(string method, string path) =>
        Emulator.RequestLog.Where(r => r.Method == method && r.Path.EndsWith(path, StringComparison.Ordinal)).ToList();

    /// <summary>The emulator's ACL as "path type ugid role propagate" lines, sorted.</summary>
    public IReadOnlyList<string> Acl() =>
        State.AclEntries().Select(e => $"{e.Path} {e.Type} {e.UgId} {e.RoleId} {(e.Propagate ? 1 : 0)}").OrderBy(s => s, StringComparer.Ordinal).ToList();

    public async ValueTask DisposeAsync()
    {
        Ps.Dispose();
        await Emulator.DisposeAsync();
    }
}
