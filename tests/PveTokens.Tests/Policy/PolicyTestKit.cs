using PveEmulator;
using PveTokens.Tests.Acl;

namespace PveTokens.Tests.Policy;

/// <summary>A non-trivial configuration (groups, a custom role, tokens with and without separation, propagate on and off) and policy files for it.</summary>
internal static class PolicyTestKit
{
    public static readonly long In9Days = DateTimeOffset.UtcNow.AddDays(9).ToUnixTimeSeconds();
    public static readonly long In300Days = DateTimeOffset.UtcNow.AddDays(300).ToUnixTimeSeconds();

    public static void SeedNonTrivial(EmulatorState s)
    {
        s.AddGroup("svc-ops", comment: "operators");
        s.AddGroup("svc-dev");
        s.AddRole("SvcBackup", new[] { "VM.Backup", "Datastore.AllocateSpace", "VM.Audit" });
        s.AddUser("svc-backup@pve", comment: "backup jobs", groups: new[] { "svc-ops" });
        s.AddUser("svc-mon@pve", enable: false, expire: In300Days, groups: new[] { "svc-ops", "svc-dev" });
        s.AddToken("svc-backup@pve", "ci", privsep: true, expire: In300Days, comment: "ci runner");
        s.AddToken("svc-mon@pve", "grafana", privsep: false);
        s.AddAcl("/vms", "SvcBackup", group: "svc-ops", propagate: true);
        s.AddAcl("/storage", "PVEDatastoreUser", token: "svc-backup@pve!ci", propagate: false);
        s.AddAcl("/vms/100", "PVEAuditor", user: "svc-mon@pve", propagate: true);
        s.AddAcl("/vms/100", "PVEVMUser", user: "svc-mon@pve", propagate: true);
    }

    /// <summary>Unmanaged objects outside the scope svc-*: they must never change.</summary>
    public static void SeedUnmanaged(EmulatorState s)
    {
        s.AddGroup("admins");
        s.AddUser("alice@pve", comment: "a human", groups: new[] { "admins" });
        s.AddToken("alice@pve", "laptop", comment: "mine");
        s.AddAcl("/vms", "PVEAdmin", user: "alice@pve");
        s.AddAcl("/", "PVEAuditor", group: "admins");
        s.AddAcl("/vms", "PVEAuditor", token: "alice@pve!laptop");
        s.AddRole("HumanRole", new[] { "VM.Audit" });
    }

    public static string WriteFile(string text, string extension = ".psd1")
    {
        string path = Path.Combine(Path.GetTempPath(), "pvetokens-policy-" + Guid.NewGuid().ToString("N") + extension);
        File.WriteAllText(path, text);
        return path;
    }

    public static async Task<AclTestHost> StartAsync(Action<EmulatorState> seed, string version = "9.2.0") =>
        (await AclTestHost.StartAsync(seed, version)).ConnectRoot();
}
