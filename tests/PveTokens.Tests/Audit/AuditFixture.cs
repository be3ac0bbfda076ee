using PveEmulator;

namespace PveTokens.Tests.Audit;

/// <summary>
/// The audit fixture: one or more tokens per finding, each named for what it shows, and the
/// findings each must produce.
/// </summary>
internal static class AuditFixture
{
    public const long Day = 86400;

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static void Seed(EmulatorState s)
    {
        long now = Now;
        s.AddGroup("admins");
        s.AddRole("UserMgr", new[] { "User.Modify" });
        s.AddUser("ci@pve", "Ci-Pass-1");
        s.AddUser("ops@pve", "Ops-Pass-1", groups: new[] { "admins" });
        s.AddUser("alice@pve", "Alice-Pass-1", expire: now + 10 * Day);
        s.AddUser("bob@pve", "Bob-Pass-1", enable: false);
        s.AddUser("carol@pve", "Carol-Pass-1", expire: 1700000000);

        // root@pam: without privilege separation (Critical) and with it (High).
        s.AddToken("root@pam", "rootfull", privsep: false, expire: now + 180 * Day);
        s.AddToken("root@pam", "rootsep", privsep: true, expire: now + 180 * Day);
        s.AddAcl("/vms", "PVEAuditor", token: "root@pam!rootsep");

        // ci@pve: VM admin on /vms only.
        s.AddAcl("/vms", "PVEVMAdmin", user: "ci@pve");
        s.AddToken("ci@pve", "backup", expire: now + 180 * Day);           // clean
        s.AddAcl("/vms", "PVEVMUser", token: "ci@pve!backup");
        s.AddToken("ci@pve", "forever", expire: 0);                       // NeverExpires (PVEAuditor on / is narrow: no look-up)
        s.AddAcl("/", "PVEAuditor", token: "ci@pve!forever");
        s.AddToken("ci@pve", "soon", expire: now + 5 * Day);              // ExpiringSoon
        s.AddAcl("/vms", "PVEVMUser", token: "ci@pve!soon");
        s.AddToken("ci@pve", "idle", expire: now + 180 * Day);            // NoAclEntry
        s.AddToken("ci@pve", "wannabe", expire: now + 180 * Day);         // Administrator on /, but ci has nothing there: look-up, no finding
        s.AddAcl("/", "Administrator", token: "ci@pve!wannabe");

        // ops@pve: Administrator on / through the group admins.
        s.AddAcl("/", "Administrator", group: "admins");
        s.AddToken("ops@pve", "full", privsep: false, expire: now + 180 * Day);   // PrivilegeSeparationOff + BroadRights (from the group)
        s.AddToken("ops@pve", "sepadmin", expire: now + 180 * Day);              // BroadRights (own entry, owner has it too)
        s.AddAcl("/", "Administrator", token: "ops@pve!sepadmin");
        s.AddToken("ops@pve", "custom", expire: now + 180 * Day);                // BroadRights through a custom role
        s.AddAcl("/", "UserMgr", token: "ops@pve!custom", propagate: false);

        // alice@pve expires in 10 days.
        s.AddToken("alice@pve", "later", expire: 0);                      // NeverExpires + OutlivesUser
        s.AddAcl("/vms", "PVEVMUser", token: "alice@pve!later");
        s.AddToken("alice@pve", "old", expire: 1700000000);               // Expired
        s.AddAcl("/vms", "PVEVMUser", token: "alice@pve!old");

        // bob@pve is disabled, carol@pve expired.
        s.AddToken("bob@pve", "dead", expire: now + 180 * Day);           // OutlivesUser (disabled)
        s.AddAcl("/vms", "PVEVMUser", token: "bob@pve!dead");
        s.AddToken("carol@pve", "ghost", expire: now + 180 * Day);        // OutlivesUser (user expired)
        s.AddAcl("/vms", "PVEVMUser", token: "carol@pve!ghost");
    }

    /// <summary>Every finding the fixture must produce, as "Severity Finding FullTokenId".</summary>
    public static readonly string[] Expected =
    {
        "Critical RootToken root@pam!rootfull",
        "High BroadRights ops@pve!custom",
        "High BroadRights ops@pve!full",
        "High BroadRights ops@pve!sepadmin",
        "High RootToken root@pam!rootsep",
        "Medium ExpiringSoon ci@pve!soon",
        "Medium NeverExpires alice@pve!later",
        "Medium NeverExpires ci@pve!forever",
        "Medium PrivilegeSeparationOff ops@pve!full",
        "Medium PrivilegeSeparationOff root@pam!rootfull",
        "Low Expired alice@pve!old",
        "Low OutlivesUser alice@pve!later",
        "Low OutlivesUser bob@pve!dead",
        "Low OutlivesUser carol@pve!ghost",
        "Info NoAclEntry ci@pve!idle",
    };
}
