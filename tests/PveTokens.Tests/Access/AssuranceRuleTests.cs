using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Tests.Access;

/// <summary>The Access rules behind "no false assurance", without an emulator.</summary>
public sealed class AssuranceRuleTests
{
    private static readonly PrivilegeCatalog Catalog = new(new[]
    {
        new[] { "VM.Audit", "VM.Snapshot", "VM.Snapshot.Rollback", "VM.PowerMgmt" },
        new[] { "Datastore.AllocateSpace", "Sys.Audit", "VM.Audit" },
        Array.Empty<string>(),
    });

    [Theory]
    [InlineData("VM.Snapshoot", "Did you mean 'VM.Snapshot'?")]
    [InlineData("Sys.Adit", "Did you mean 'Sys.Audit'?")]
    [InlineData("VM.Monitor", "Its privileges are: Datastore.AllocateSpace, Sys.Audit, VM.Audit, VM.PowerMgmt, VM.Snapshot, VM.Snapshot.Rollback.")]
    public void An_unknown_privilege_is_refused_with_the_closest_names(string name, string hint)
    {
        Assert.Null(Catalog.Resolve(name, "pve1:8006", out string? error));
        Assert.StartsWith($"'{name}' is not a privilege that pve1:8006 knows", error);
        Assert.EndsWith(hint, error);
    }

    [Theory]
    [InlineData("vm.audit", "VM.Audit")]
    [InlineData(" VM.PowerMgmt ", "VM.PowerMgmt")]
    public void A_known_privilege_comes_back_in_the_servers_spelling(string name, string expected)
    {
        Assert.Equal(expected, Catalog.Resolve(name, "s", out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("VM.Audit", false, true)]
    [InlineData("VM.GuestAgent.FileRead", false, true)]
    [InlineData("VM.*", true, true)]
    [InlineData("VM.*", false, false)]
    [InlineData("VM Audit", true, false)]
    [InlineData("", true, false)]
    [InlineData("/vms", true, false)]
    [InlineData(".Audit", false, false)]
    public void Privilege_syntax(string name, bool wildcards, bool valid) =>
        Assert.Equal(valid, PrivilegeCatalog.CheckSyntax(name, wildcards) is null);

    [Fact]
    public void A_pattern_that_matches_no_known_privilege_is_refused() =>
        Assert.NotNull(Catalog.CheckPattern("VM.Snapshoot*", n => n.StartsWith("VM.Snapshoot", StringComparison.OrdinalIgnoreCase), "s"));

    [Theory]
    [InlineData("root@pam", false, new string[0], null)]
    [InlineData("ci@pve", false, new string[0], "PVE listed no users at all to ci@pve")]
    [InlineData("ci@pve!t", true, new string[0], "PVE listed no users at all to ci@pve!t")]
    [InlineData("ci@pve", false, new[] { "root@pam", "x@pve" }, "PVE did not even list ci@pve itself")]
    [InlineData("ci@pve", false, new[] { "ci@pve", "x@pve" }, "PVE listed 2 user(s) to ci@pve but not root@pam")]
    [InlineData("ci@pve!t", true, new[] { "ci@pve" }, "PVE listed 1 user(s) to ci@pve!t but not root@pam")]
    [InlineData("ci@pve", false, new[] { "ci@pve", "root@pam" }, null)]
    [InlineData("ci@pve!t", true, new[] { "root@pam" }, null)]
    public void A_users_listing_is_evidently_incomplete_when(string identity, bool isToken, string[] listed, string? reason)
    {
        string? gap = ListingVisibility.CheckUsers(identity, isToken, listed);
        if (reason is null)
        {
            Assert.Null(gap);
        }
        else
        {
            Assert.StartsWith(reason, gap);
        }
    }

    [Fact]
    public void Missing_rights_name_what_each_listing_needs()
    {
        var none = new Dictionary<string, bool>();
        var audit = new Dictionary<string, bool> { ["Sys.Audit"] = true };
        var modify = new Dictionary<string, bool> { ["User.Modify"] = false };

        Assert.Equal(2, ListingVisibility.MissingRights(none, none, needUsers: true, needAcl: true).Count);
        Assert.Empty(ListingVisibility.MissingRights(audit, modify, needUsers: true, needAcl: true));
        Assert.StartsWith("Sys.Audit on /access", Assert.Single(ListingVisibility.MissingRights(none, modify, needUsers: true, needAcl: true)));
        Assert.StartsWith("Sys.Audit or User.Modify on /access/groups", Assert.Single(ListingVisibility.MissingRights(audit, none, needUsers: true, needAcl: true)));
        Assert.Empty(ListingVisibility.MissingRights(audit, none, needUsers: false, needAcl: true));
    }

    [Theory]
    [InlineData(true, 0L, 0L, PveApiTokenStatus.Active)]
    [InlineData(true, 0L, 1L, PveApiTokenStatus.Expired)]
    [InlineData(false, 0L, 1L, PveApiTokenStatus.UserDisabled)]
    [InlineData(true, 1L, 1L, PveApiTokenStatus.UserExpired)]
    [InlineData(null, 0L, 1L, PveApiTokenStatus.Unknown)]
    [InlineData(true, null, 0L, PveApiTokenStatus.Unknown)]
    public void Status_follows_PVEs_check_order_and_needs_the_owner(bool? enabled, long? ownerExpire, long tokenExpire, PveApiTokenStatus expected) =>
        Assert.Equal(expected, TokenStatusRule.Decide(enabled, ownerExpire, tokenExpire, now: 1_000));

    [Theory]
    [InlineData("GET", "/access/users/ci@pve/token", false, "Managing the tokens of ci@pve needs User.Modify on /access/groups")]
    [InlineData("POST", "/access/users/ci%40pve/token/x", true, "Managing the tokens of ci@pve needs User.Modify on /access/groups")]
    [InlineData("GET", "/access/users/ci@pve", false, "Reading ci@pve needs Sys.Audit or User.Modify on /access/groups")]
    [InlineData("PUT", "/access/users/ci@pve", false, null)]
    [InlineData("GET", "/access/acl", false, null)]
    public void An_unnamed_denial_gets_the_rights_of_the_call_or_no_advice(string method, string path, bool isToken, string? advice)
    {
        string? text = RequiredRights.ForUnnamedDenial(method, path, "Permission check failed", isToken);
        if (advice is null)
        {
            Assert.Null(text);
        }
        else
        {
            Assert.StartsWith(advice, text);
            Assert.Equal(isToken, text!.Contains("never counts as its own user", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_root_only_call_says_so() =>
        Assert.StartsWith("Only root@pam", RequiredRights.ForUnnamedDenial("PUT", "/access/acl", "Permission check failed (user != root@pam)", isToken: true));

    [Fact]
    public void Existence_is_known_only_from_a_complete_listing()
    {
        var root = new PveUserFields { UserId = "root@pam" };
        var ci = new PveUserFields { UserId = "ci@pve" };
        ci.Tokens.Add(new PveTokenFields { TokenId = "backup" });

        Assert.True(ListingVisibility.Exists(new[] { root, ci }, "ci@pve!backup", "root@pam", false));
        Assert.False(ListingVisibility.Exists(new[] { root, ci }, "ci@pve!nope", "root@pam", false));
        Assert.False(ListingVisibility.Exists(new[] { root, ci }, "ci@pam", "root@pam", false));
        Assert.False(ListingVisibility.Exists(new[] { ci }, "ci@pve!nope", "ci@pve", false));
        Assert.Null(ListingVisibility.Exists(new[] { ci }, "bob@pve", "ci@pve", false));
    }
}

/// <summary>
/// Every 403 form PVE sends (api.md §1, §2.4, §5), under either kind of session, gets advice that
/// names a privilege PVE named or the rights the call is known to need, or no advice: never a
/// placeholder such as "the privilege PVE names".
/// </summary>
public sealed class PermissionAdviceTests
{
    public static TheoryData<string, string, string> Denials() => new()
    {
        { "GET", "/access/acl", "Permission check failed (/vms/100, VM.Audit)" },
        { "PUT", "/access/acl", "Permission check failed (/vms, Permissions.Modify|VM.Allocate)" },
        { "GET", "/access/users/ci@pve/token", "Permission check failed" },
        { "POST", "/access/users/ci@pve/token/new", "Permission check failed" },
        { "PUT", "/access/users/ci@pve/token/backup", "Permission check failed" },
        { "DELETE", "/access/users/ci@pve/token/backup", "Permission check failed" },
        { "GET", "/access/users/ci@pve", "Permission check failed" },
        { "PUT", "/access/users/ci@pve", "Permission check failed" },
        { "POST", "/access/roles", "Permission check failed (user != root@pam)" },
        { "POST", "/access/ticket", "Permission check failed (URI '/access/ticket' not available with API token, need proper ticket." },
    };

    [Theory]
    [MemberData(nameof(Denials))]
    public void Advice_for_a_403_names_what_is_known_or_nothing(string method, string path, string message)
    {
        foreach (PveAuthMethod auth in new[] { PveAuthMethod.ApiToken, PveAuthMethod.Ticket })
        {
            var e = new PveTokens.Client.PveApiException(method, path, 403, message.Split('\n')[0], message, null);
            System.Management.Automation.ErrorRecord r = PveTokens.Commands.ErrorMapper.Map(e, null, auth, auth == PveAuthMethod.ApiToken ? "ci@pve!t" : "ci@pve");
            string text = r.ErrorDetails.Message;

            Assert.StartsWith("PermissionDenied", r.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.DoesNotContain("PVE names", text, StringComparison.Ordinal);
            if (e.Privilege is string named)
            {
                Assert.Contains(named, text.Substring(text.IndexOf(").", StringComparison.Ordinal)), StringComparison.Ordinal);
            }
            else if (!text.Contains("not available with API token", StringComparison.Ordinal) &&
                     !text.Contains("root@pam", StringComparison.Ordinal) && !text.Contains("needs", StringComparison.Ordinal))
            {
                // Unknown call, no privilege named: the message ends with PVE's own words, no advice.
                Assert.EndsWith($"for {(auth == PveAuthMethod.ApiToken ? "ci@pve!t" : "ci@pve")}.", text, StringComparison.Ordinal);
            }
        }
    }
}
