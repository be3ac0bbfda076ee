using PveTokens.Access;
using PveTokens.Commands;
using PveTokens.Models;

namespace PveTokens.Tests.Policy;

/// <summary>The planner without a server: ownership, rotation, the session's own credential, plan-time checks, size.</summary>
public sealed class PolicyPlannerTests
{
    private const long Now = 1_900_000_000;

    private static PolicyDocument Policy(string text)
    {
        var errors = new List<PolicyError>();
        PolicyDocument? document = PolicyParser.Parse(AccessPolicyFile.ReadPsd1(text, "p.psd1", errors)!, "p.psd1", errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return document!;
    }

    private static PveUserFields User(string id, params (string Name, long Expire, string? Comment)[] tokens)
    {
        var user = new PveUserFields { UserId = id };
        user.Tokens.AddRange(tokens.Select(t => new PveTokenFields { TokenId = t.Name, Expire = t.Expire, Comment = t.Comment, PrivilegeSeparation = true }));
        return user;
    }

    private static readonly PveRoleFields[] BuiltIn =
    {
        new("Administrator", new[] { "Sys.Audit", "VM.Audit", "VM.PowerMgmt" }, special: true),
        new("PVEAuditor", new[] { "Sys.Audit", "VM.Audit" }, special: true),
    };

    private static AccessSnapshot Live(IEnumerable<PveUserFields> users, IEnumerable<AclEntry>? acl = null, IEnumerable<PveRoleFields>? roles = null,
        IEnumerable<PveGroupFields>? groups = null) =>
        new(users.ToList(), (groups ?? Array.Empty<PveGroupFields>()).ToList(), BuiltIn.Concat(roles ?? Array.Empty<PveRoleFields>()).ToList(),
            (acl ?? Array.Empty<AclEntry>()).ToList());

    [Theory]
    [InlineData(9, true, "expires in 9 days, RenewBefore is 14 days")]
    [InlineData(20, false, null)]
    [InlineData(-3, true, "expired 3 days ago, RenewBefore is 14 days")]
    [InlineData(0, true, "never expires, Lifetime is 90 days")]
    public void A_token_is_rotated_when_less_than_RenewBefore_remains(int daysLeft, bool rotates, string? reason)
    {
        long expire = daysLeft == 0 ? 0 : Now + daysLeft * 86400L;
        PolicyPlan plan = PolicyPlanner.Plan(Policy("@{ SchemaVersion = 1; Tokens = @{ User = 'a@pve'; Id = 'tk'; Comment = 'c'; Lifetime = '90d'; RenewBefore = '14d' } }"),
            Live(new[] { User("a@pve", ("tk", expire, "c")) }), "root@pam", Now);
        if (!rotates)
        {
            Assert.Empty(plan.Changes);
            return;
        }

        PolicyChange change = Assert.Single(plan.Changes);
        Assert.Equal(PveAccessChangeAction.Rotate, change.Action);
        Assert.Equal(reason, change.Reason);
        Assert.Equal(Now + 90 * 86400L, change.TokenUpdate!.Expire);
    }

    [Fact]
    public void Only_owned_objects_are_removed_and_unmanaged_ones_are_counted()
    {
        AccessSnapshot live = Live(
            new[] { User("svc-a@pve", ("old", 0, null)), User("alice@pve", ("laptop", 0, null)) },
            new[]
            {
                new AclEntry("/vms", PveAclPrincipalType.Token, "svc-a@pve!old", "PVEAuditor", true),
                new AclEntry("/vms", PveAclPrincipalType.User, "alice@pve", "PVEAuditor", true),
                new AclEntry("/vms", PveAclPrincipalType.User, "svc-a@pve", "PVEAuditor", true),
            });
        PolicyPlan plan = PolicyPlanner.Plan(Policy("@{ SchemaVersion = 1; Scope = @{ Users = 'svc-*@pve'; Tokens = 'svc-*'; AclPaths = '*' }; Users = @{ Id = 'svc-a@pve' } }"),
            live, "root@pam", Now);
        Assert.Equal(new[] { "Revoke Acl /vms svc-a@pve PVEAuditor", "Remove Token svc-a@pve!old" },
            plan.Changes.Select(c => $"{c.Action} {c.ObjectType} {c.Id}"));
        Assert.Equal(3, plan.Unmanaged); // alice@pve, her token and her ACL entry; the removed token's entry goes with it
    }

    [Fact]
    public void The_session_s_own_credential_is_protected_from_removal_and_cuts()
    {
        AccessSnapshot live = Live(
            new[] { User("svc-a@pve", ("auto", 0, null)) },
            new[]
            {
                new AclEntry("/", PveAclPrincipalType.Token, "svc-a@pve!auto", "SvcAll", true),
                new AclEntry("/", PveAclPrincipalType.User, "svc-a@pve", "SvcAll", true),
            },
            new[] { new PveRoleFields("SvcAll", new[] { "Sys.Audit", "VM.Audit" }, special: false) });
        PolicyPlan plan = PolicyPlanner.Plan(Policy("""
            @{ SchemaVersion = 1; Scope = @{ Users = 'svc-*@pve'; Tokens = 'svc-*'; Roles = 'Svc*'; AclPaths = '*' }
               Roles = @{ Id = 'SvcAll'; Privileges = 'VM.Audit' }
               Users = @{ Id = 'svc-a@pve'; Enabled = $false } }
            """), live, "svc-a@pve!auto", Now);
        Assert.All(plan.Changes, c => Assert.NotNull(c.ProtectedBecause));
        Assert.Contains(plan.Changes, c => c.Action == PveAccessChangeAction.Remove && c.ObjectType == PveAccessObjectType.Token);
        Assert.Contains(plan.Changes, c => c.Action == PveAccessChangeAction.Update && c.ObjectType == PveAccessObjectType.Role);
        Assert.Contains(plan.Changes, c => c.Action == PveAccessChangeAction.Update && c.ObjectType == PveAccessObjectType.User);
        Assert.Contains(plan.Changes, c => c.Action == PveAccessChangeAction.Revoke);
    }

    [Fact]
    public void What_the_policy_names_but_the_server_lacks_is_a_plan_error()
    {
        PolicyPlan plan = PolicyPlanner.Plan(Policy("""
            @{ SchemaVersion = 1
               Roles = @{ Id = 'Mine'; Privileges = 'VM.Audit', 'VM.Monitor' }
               Users = @{ Id = 'svc@pve'; Groups = 'nosuch' }
               Tokens = @{ User = 'bob@ldap'; Id = 'tk' }
               Acl = @{ Path = '/vms'; Roles = 'NoSuchRole'; Principals = 'carol@pam', '@nogroup' } }
            """), Live(Array.Empty<PveUserFields>()), "root@pam", Now);
        Assert.Empty(plan.Changes);
        string all = string.Join("\n", plan.Errors);
        Assert.Contains("no privilege 'VM.Monitor'", all);
        Assert.Contains("group 'nosuch'", all);
        Assert.Contains("owner 'bob@ldap'", all);
        Assert.Contains("role 'NoSuchRole'", all);
        Assert.Contains("user 'carol@pam'", all);
        Assert.Contains("group 'nogroup'", all);
    }

    [Fact]
    public void A_large_configuration_plans_in_well_under_a_second()
    {
        var users = Enumerable.Range(0, 200).Select(u => User($"svc-{u}@pve", Enumerable.Range(0, 5).Select(t => ($"t{t}", 0L, (string?)null)).ToArray())).ToList();
        var acl = users.SelectMany(u => u.Tokens.Select(t => new AclEntry($"/vms/{100 + users.IndexOf(u)}", PveAclPrincipalType.Token, u.UserId + "!" + t.TokenId, "PVEAuditor", true))).ToList();
        var text = new System.Text.StringBuilder("@{ SchemaVersion = 1; Scope = @{ Users = 'svc-*@pve'; Tokens = 'svc-*'; AclPaths = '*' }\n Users = @(\n");
        users.ForEach(u => text.Append($"@{{ Id = '{u.UserId}' }}\n"));
        text.Append(")\n Tokens = @(\n");
        users.ForEach(u => u.Tokens.ForEach(t => text.Append($"@{{ User = '{u.UserId}'; Id = '{t.TokenId}' }}\n")));
        text.Append(")\n Acl = @(\n");
        acl.ForEach(e => text.Append($"@{{ Path = '{e.Path}'; Roles = 'PVEAuditor'; Principals = '{e.Principal}' }}\n"));
        text.Append(") }");
        PolicyDocument policy = Policy(text.ToString());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        PolicyPlan plan = PolicyPlanner.Plan(policy, Live(users, acl), "root@pam", Now);
        watch.Stop();
        Assert.Empty(plan.Changes);
        Assert.True(watch.ElapsedMilliseconds < 1000, $"{watch.ElapsedMilliseconds} ms");
    }
}
