using PveTokens.Access;

namespace PveTokens.Tests.AccessReview;

/// <summary>
/// One test per rule of PVE's permission computation (api.md §4.4, §6.4, §8), each named after the
/// rule it proves, on snapshots built by hand.
/// </summary>
public sealed class PermissionEvaluatorRuleTests
{
    private static readonly string[] VmUser = SnapshotBuilder.RolePrivileges("PVEVMUser");
    private static readonly string[] VmAdmin = SnapshotBuilder.RolePrivileges("PVEVMAdmin");
    private static readonly string[] Auditor = SnapshotBuilder.RolePrivileges("PVEAuditor");
    private static readonly string[] Administrator = SnapshotBuilder.RolePrivileges("Administrator");

    private static SortedDictionary<string, bool> Rights(PermissionEvaluator e, string principal, string path) =>
        e.Evaluate(e.FindPrincipal(principal)!, path).ToDictionary();

    private static string[] Names(PermissionEvaluator e, string principal, string path) => Rights(e, principal, path).Keys.ToArray();

    private static PrivilegeGrant Grant(PermissionEvaluator e, string principal, string path, string privilege) =>
        e.Evaluate(e.FindPrincipal(principal)!, path).Grants().Single(g => g.Privilege == privilege);

    [Fact]
    public void UserEntriesOverrideGroupEntriesOnTheSameLevel()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("dave@pve", new[] { "auditors" })
            .Acl("/vms", "PVEAuditor", group: "auditors")
            .Acl("/vms", "PVEVMUser", user: "dave@pve")
            .Evaluator();

        Assert.Equal(VmUser, Names(e, "dave@pve", "/vms"));
        Assert.Equal(VmUser, Names(e, "dave@pve", "/vms/100"));
    }

    [Fact]
    public void GroupEntriesApplyWhereTheUserHasNoEntryOfItsOwn()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("dave@pve", new[] { "auditors" })
            .Acl("/", "PVEAuditor", group: "auditors")
            .Acl("/vms/100", "PVEVMUser", user: "dave@pve")
            .Evaluator();

        Assert.Equal(Auditor, Names(e, "dave@pve", "/vms/200"));
        Assert.Equal(VmUser, Names(e, "dave@pve", "/vms/100"));
    }

    [Fact]
    public void EntriesOfSeveralGroupsOnOneLevelAreUnited()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("erin@pve", new[] { "ops", "backup" })
            .Acl("/storage", "PVEDatastoreUser", group: "ops")
            .Acl("/storage", "PVEAuditor", group: "backup")
            .Evaluator();

        string[] expected = SnapshotBuilder.RolePrivileges("PVEDatastoreUser").Union(Auditor).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, Names(e, "erin@pve", "/storage/local"));
    }

    [Fact]
    public void DeeperLevelsReplaceInheritedRights()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/vms", "PVEVMAdmin", user: "bob@pve")
            .Acl("/vms/100", "PVEAuditor", user: "bob@pve")
            .Evaluator();

        Assert.Equal(Auditor, Names(e, "bob@pve", "/vms/100"));
        Assert.Equal(VmAdmin, Names(e, "bob@pve", "/vms/101"));
    }

    [Fact]
    public void DeeperGroupEntriesReplaceInheritedUserEntries()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve", new[] { "ops" })
            .Acl("/", "PVEVMAdmin", user: "bob@pve")
            .Acl("/vms/100", "PVEAuditor", group: "ops")
            .Evaluator();

        Assert.Equal(Auditor, Names(e, "bob@pve", "/vms/100"));
    }

    [Fact]
    public void PropagateZeroEntriesCountOnlyOnTheirOwnPath()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/nodes", "PVESysAdmin", user: "bob@pve", propagate: false)
            .Evaluator();

        Assert.Equal(SnapshotBuilder.RolePrivileges("PVESysAdmin"), Names(e, "bob@pve", "/nodes"));
        Assert.All(Rights(e, "bob@pve", "/nodes").Values, Assert.False);
        Assert.Empty(Names(e, "bob@pve", "/nodes/pve1"));
    }

    [Fact]
    public void PropagateZeroUserEntryAboveThePathLetsTheGroupEntriesOfThatLevelApply()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve", new[] { "ops" })
            .Acl("/vms", "PVEVMAdmin", user: "bob@pve", propagate: false)
            .Acl("/vms", "PVEAuditor", group: "ops")
            .Evaluator();

        Assert.Equal(VmAdmin, Names(e, "bob@pve", "/vms"));
        Assert.Equal(Auditor, Names(e, "bob@pve", "/vms/100"));
    }

    [Fact]
    public void PropagateFlagOfAPrivilegeIsSetWhenAnyRoleHoldingItPropagates()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/vms/100", "PVEAuditor", user: "bob@pve", propagate: false)
            .Acl("/vms/100", "PVETemplateUser", user: "bob@pve")
            .Evaluator();

        SortedDictionary<string, bool> rights = Rights(e, "bob@pve", "/vms/100");
        Assert.True(rights["VM.Audit"]);
        Assert.True(rights["VM.Clone"]);
        Assert.False(rights["Sys.Audit"]);
    }

    [Fact]
    public void NoAccessCancelsEveryRoleOfItsLevel()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve", new[] { "ops" })
            .Acl("/vms", "PVEVMAdmin", user: "bob@pve")
            .Acl("/vms/101", "NoAccess", user: "bob@pve")
            .Acl("/vms/101", "PVEAuditor", user: "bob@pve")
            .Acl("/storage", "NoAccess", group: "ops")
            .Acl("/storage", "Administrator", group: "ops")
            .Evaluator();

        Assert.Empty(Names(e, "bob@pve", "/vms/101"));
        Assert.Empty(Names(e, "bob@pve", "/storage/local"));
        Assert.Equal(VmAdmin, Names(e, "bob@pve", "/vms/102"));
    }

    [Fact]
    public void NoAccessIsReplacedByDeeperEntries()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/", "NoAccess", user: "bob@pve")
            .Acl("/vms/100", "PVEVMUser", user: "bob@pve")
            .Evaluator();

        Assert.Empty(Names(e, "bob@pve", "/vms"));
        Assert.Equal(VmUser, Names(e, "bob@pve", "/vms/100"));
    }

    [Fact]
    public void RootAtPamHasEveryAdministratorPrivilegePropagatedEverywhere()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("root@pam", new[] { "ops" })
            .Acl("/", "NoAccess", group: "ops")
            .Evaluator();

        SortedDictionary<string, bool> rights = Rights(e, "root@pam", "/vms/100");
        Assert.Equal(Administrator, rights.Keys);
        Assert.All(rights.Values, Assert.True);
        Assert.Equal(AccessVia.Superuser, Grant(e, "root@pam", "/", "Sys.Modify").Via);
    }

    [Fact]
    public void PrivilegeSeparatedTokensGetTheIntersectionWithTheirUserAndPropagateOnlyWhereBothDo()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("carol@pve", tokens: SnapshotBuilder.Token("sep"))
            .Acl("/vms", "PVEVMUser", user: "carol@pve", propagate: false)
            .Acl("/vms", "PVEAuditor", user: "carol@pve")
            .Acl("/storage", "PVEDatastoreUser", user: "carol@pve")
            .Acl("/vms", "PVEVMAdmin", token: "carol@pve!sep")
            .Evaluator();

        SortedDictionary<string, bool> onVms = Rights(e, "carol@pve!sep", "/vms");
        Assert.Equal(VmUser.Union(new[] { "VM.Audit", "VM.GuestAgent.Audit" }).OrderBy(p => p, StringComparer.Ordinal), onVms.Keys);
        Assert.True(onVms["VM.Audit"]);
        Assert.False(onVms["VM.PowerMgmt"]);
        Assert.Equal(new[] { "VM.Audit", "VM.GuestAgent.Audit" }, Names(e, "carol@pve!sep", "/vms/100"));
        Assert.Empty(Names(e, "carol@pve!sep", "/storage"));
    }

    [Fact]
    public void TokensWithoutSeparationGetTheirUsersRightsAndIgnoreTheirOwnEntries()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("carol@pve", new[] { "ops" }, tokens: SnapshotBuilder.Token("full", privsep: false))
            .Acl("/vms", "PVEVMUser", group: "ops")
            .Acl("/pool", "PVEPoolAdmin", token: "carol@pve!full")
            .Evaluator();

        Assert.Equal(VmUser, Names(e, "carol@pve!full", "/vms/100"));
        Assert.Empty(Names(e, "carol@pve!full", "/pool"));
        PrivilegeGrant grant = Grant(e, "carol@pve!full", "/vms/100", "VM.Audit");
        Assert.Equal(AccessVia.Owner, grant.Via);
        Assert.Equal("ops", grant.Source.Entries.Single().Group);
    }

    [Fact]
    public void RootAtPamsSeparatedTokensGetExactlyTheirOwnEntries()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("root@pam", tokens: new[] { SnapshotBuilder.Token("sep"), SnapshotBuilder.Token("full", privsep: false) })
            .Acl("/vms", "PVEAuditor", token: "root@pam!sep")
            .Evaluator();

        Assert.Equal(Auditor, Names(e, "root@pam!sep", "/vms/100"));
        Assert.Empty(Names(e, "root@pam!sep", "/"));
        Assert.Equal(AccessVia.Direct, Grant(e, "root@pam!sep", "/vms", "VM.Audit").Via);
        Assert.Equal(Administrator, Names(e, "root@pam!full", "/storage"));
    }

    [Fact]
    public void CustomRolesAreResolvedFromTheRoleList()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .Role("Backup-Operator", "VM.Backup", "Datastore.AllocateSpace")
            .User("bob@pve")
            .Acl("/", "Backup-Operator", user: "bob@pve")
            .Evaluator();

        Assert.Equal(new[] { "Datastore.AllocateSpace", "VM.Backup" }, Names(e, "bob@pve", "/storage/backup"));
    }

    [Fact]
    public void EntriesOfUnknownRolesAreDroppedAsPveDropsThem()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/", "PVEAuditor", user: "bob@pve")
            .Acl("/vms", "Deleted-Role", user: "bob@pve")
            .Evaluator();

        Assert.Equal(Auditor, Names(e, "bob@pve", "/vms"));
    }

    [Fact]
    public void PathsWithoutEntriesInheritFromTheirDeepestAncestorWithEntries()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/sdn/zones/zone1", "PVESDNUser", user: "bob@pve")
            .Evaluator();

        Assert.Equal(SnapshotBuilder.RolePrivileges("PVESDNUser"), Names(e, "bob@pve", "/sdn/zones/zone1/vnet1/10"));
        Assert.Empty(Names(e, "bob@pve", "/sdn/zones/zone2"));
    }

    [Fact]
    public void DisabledAndExpiredUsersAndExpiredTokensKeepTheirRightsButAreUnusable()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("off@pve", enabled: false, tokens: SnapshotBuilder.Token("t", privsep: false))
            .User("old@pve", expire: SnapshotBuilder.Now - 60)
            .User("ok@pve", expire: SnapshotBuilder.Now + 60, tokens: new[] { SnapshotBuilder.Token("gone", privsep: false, expire: SnapshotBuilder.Now - 1), SnapshotBuilder.Token("live", privsep: false) })
            .Acl("/", "PVEAuditor", user: "off@pve")
            .Acl("/", "PVEAuditor", user: "old@pve")
            .Acl("/", "PVEAuditor", user: "ok@pve")
            .Evaluator();

        foreach (string id in new[] { "off@pve", "off@pve!t", "old@pve", "ok@pve!gone", "ok@pve", "ok@pve!live" })
        {
            Assert.Equal(Auditor, Names(e, id, "/vms"));
        }

        Assert.Equal("The user is disabled.", e.FindPrincipal("off@pve")!.UnusableReason);
        Assert.Equal("Its user off@pve is disabled.", e.FindPrincipal("off@pve!t")!.UnusableReason);
        Assert.StartsWith("The user expired at ", e.FindPrincipal("old@pve")!.UnusableReason);
        Assert.StartsWith("The token expired at ", e.FindPrincipal("ok@pve!gone")!.UnusableReason);
        Assert.True(e.FindPrincipal("ok@pve")!.Usable);
        Assert.True(e.FindPrincipal("ok@pve!live")!.Usable);
    }

    [Fact]
    public void TheTreeHoldsTheFixedRootsAndEveryAclTreeNodeWithRights()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("bob@pve")
            .Acl("/", "PVEAuditor", user: "bob@pve")
            .Acl("/mapping/pci/gpu0", "PVEMappingUser", user: "bob@pve")
            .Evaluator();

        string[] expected = { "/", "/access", "/access/groups", "/mapping", "/mapping/pci", "/mapping/pci/gpu0", "/nodes", "/pool", "/sdn", "/storage", "/vms" };
        Assert.Equal(expected, e.TreePaths);
        Assert.Equal(expected, e.EvaluateTree(e.FindPrincipal("bob@pve")!).Select(p => p.Path));
    }

    [Fact]
    public void TheExplanationNamesTheEntryPathRoleAndGroup()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("erin@pve", new[] { "ops", "dev" }, tokens: SnapshotBuilder.Token("ci"))
            .Acl("/", "PVEAuditor", group: "ops")
            .Acl("/", "PVEVMUser", group: "dev")
            .Acl("/vms", "PVEVMAdmin", token: "erin@pve!ci")
            .Acl("/storage", "PVEDatastoreUser", user: "erin@pve")
            .Evaluator();

        PrivilegeGrant viaGroups = Grant(e, "erin@pve", "/vms/100", "VM.Audit");
        Assert.Equal(AccessVia.Group, viaGroups.Via);
        Assert.Equal("/", viaGroups.Source.EntryPath);
        Assert.Equal(new[] { ("dev", "PVEVMUser"), ("ops", "PVEAuditor") }, viaGroups.Source.Entries.Select(x => (x.Group!, x.Role)));

        PrivilegeGrant direct = Grant(e, "erin@pve", "/storage/local", "Datastore.AllocateSpace");
        Assert.Equal((AccessVia.Direct, "/storage", "PVEDatastoreUser", (string?)null), (direct.Via, direct.Source.EntryPath, direct.Source.Entries.Single().Role, direct.Source.Entries.Single().Group));

        PrivilegeGrant intersection = Grant(e, "erin@pve!ci", "/vms/100", "VM.PowerMgmt");
        Assert.Equal(AccessVia.TokenIntersection, intersection.Via);
        Assert.Equal(("/vms", "PVEVMAdmin"), (intersection.Source.EntryPath, intersection.Source.Entries.Single().Role));
        Assert.Equal(("/", "PVEVMUser", "dev"), (intersection.OwnerSource!.EntryPath, intersection.OwnerSource.Entries.Single().Role, intersection.OwnerSource.Entries.Single().Group));
    }

    [Fact]
    public void TheMatrixHoldsExactlyTheNonEmptyPerPathAnswers()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("a@pve", new[] { "ops" }, tokens: new[] { SnapshotBuilder.Token("s"), SnapshotBuilder.Token("f", privsep: false) })
            .User("b@pve", new[] { "dev" })
            .User("root@pam", tokens: SnapshotBuilder.Token("s"))
            .Acl("/", "PVEAuditor", group: "ops")
            .Acl("/vms/100", "PVEVMAdmin", group: "dev", propagate: false)
            .Acl("/vms", "PVEVMUser", token: "a@pve!s")
            .Acl("/storage", "NoAccess", user: "a@pve")
            .Evaluator();

        var expected = e.Principals.SelectMany(p => e.TreePaths.Select(path => e.Evaluate(p, path)))
            .Where(r => !r.IsEmpty).Select(r => $"{r.Principal.Id} {r.Path} {string.Join(",", r.ToDictionary())}").ToList();
        var actual = e.EvaluateMatrix(e.Principals, e.TreePaths, null)
            .Select(r => $"{r.Principal.Id} {r.Path} {string.Join(",", r.ToDictionary())}").ToList();
        Assert.Equal(expected, actual);

        PrivilegeMask audit = e.MaskOf(new[] { "Sys.Audit" });
        var holders = e.EvaluateMatrix(e.Principals, e.TreePaths, audit).Select(r => $"{r.Principal.Id} {r.Path}").ToList();
        Assert.Contains("a@pve!f /access", holders);
        Assert.Contains("root@pam /", holders);
        Assert.DoesNotContain(holders, h => h.StartsWith("b@pve", StringComparison.Ordinal) || h.StartsWith("a@pve!s", StringComparison.Ordinal) || h.StartsWith("root@pam!s", StringComparison.Ordinal));
        Assert.DoesNotContain("a@pve /storage", holders);
    }
}
