using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Tests.Audit;

/// <summary>The audit rules without a server: quoting, dates, the unconfirmed look-up, and what is a candidate.</summary>
public sealed class ApiTokenAuditorTests
{
    private const long Now = 1_800_000_000;

    private static PveUserFields User(string id, bool privsep, long expire = 0, params string[] groups)
    {
        var user = new PveUserFields { UserId = id };
        user.Groups.AddRange(groups);
        user.Tokens.Add(new PveTokenFields { TokenId = "t", PrivilegeSeparation = privsep, Expire = expire });
        return user;
    }

    private static ApiTokenAuditor Auditor() => new("pve:8006", Now, TimeSpan.FromDays(30));

    [Theory]
    [InlineData("ci@pve", "'ci@pve'")]
    [InlineData("o'brien@pve", "'o''brien@pve'")]
    [InlineData("a\u2019b@pve", "'a\u2019\u2019b@pve'")]
    public void Quote_makes_a_single_quoted_literal(string value, string expected) =>
        Assert.Equal(expected, ApiTokenAuditor.Quote(value));

    [Fact]
    public void A_user_with_an_apostrophe_gets_a_remediation_that_parses()
    {
        var (findings, _) = Auditor().Analyze(new[] { User("o'brien@pve", privsep: true) },
            new[] { new AclEntry("/vms", PveAclPrincipalType.Token, "o'brien@pve!t", "PVEVMUser", true) }, (_, _) => true);

        PveApiTokenAuditFinding f = Assert.Single(findings);
        Assert.Equal("Update-PveApiToken -UserId 'o''brien@pve' -TokenId 't' -ExpiresIn (New-TimeSpan -Days 90)", f.Remediation);
        System.Management.Automation.Language.Parser.ParseInput(f.Remediation, out _, out var errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void Only_roles_that_may_hold_a_broad_privilege_on_root_make_candidates()
    {
        AclEntry[] acl =
        {
            new("/", PveAclPrincipalType.Token, "a@pve!t", "PVEAuditor", true),
            new("/", PveAclPrincipalType.Token, "b@pve!t", "PVEAdmin", true),
            new("/vms", PveAclPrincipalType.Token, "c@pve!t", "Administrator", true),
            new("/", PveAclPrincipalType.Group, "admins", "Custom", true),
            new("/", PveAclPrincipalType.User, "e@pve", "Administrator", false),
        };
        var (_, candidates) = Auditor().Analyze(new[]
        {
            User("a@pve", true), User("b@pve", true), User("c@pve", true), User("d@pve", false, 0, "admins"), User("e@pve", false),
            User("f@pve", true, 0, "admins"), User("root@pam", false),
        }, acl, (_, _) => true);

        Assert.Equal(new[] { "b@pve!t", "d@pve!t", "e@pve!t" }, candidates.Select(c => c.Token.FullTokenId));
    }

    [Fact]
    public void A_look_up_that_failed_still_reports_the_candidate_as_unconfirmed()
    {
        ApiTokenAuditor auditor = Auditor();
        var (_, candidates) = auditor.Analyze(new[] { User("b@pve", true) },
            new[] { new AclEntry("/", PveAclPrincipalType.Token, "b@pve!t", "Administrator", true) }, (_, _) => true);

        PveApiTokenAuditFinding f = auditor.UnconfirmedCandidate(Assert.Single(candidates), "403 Permission check failed (/access, Sys.Audit)");

        Assert.Equal(PveApiTokenAuditSeverity.High, f.Severity);
        Assert.Equal(PveApiTokenAuditFindingKind.BroadRights, f.Finding);
        Assert.Contains("could not be read", f.Detail);
        Assert.Contains("Sys.Audit", f.Detail);
    }

    [Fact]
    public void A_look_up_without_broad_privileges_yields_no_finding()
    {
        ApiTokenAuditor auditor = Auditor();
        var (_, candidates) = auditor.Analyze(new[] { User("b@pve", true) },
            new[] { new AclEntry("/", PveAclPrincipalType.Token, "b@pve!t", "PVEAdmin", true) }, (_, _) => true);
        var map = new PermissionMap(new Dictionary<string, IReadOnlyDictionary<string, bool>>
        {
            ["/"] = new Dictionary<string, bool> { ["Sys.Audit"] = true },
        });

        Assert.Null(auditor.ResolveCandidate(Assert.Single(candidates), map));
    }

    [Fact]
    public void Expiry_findings_follow_the_clock()
    {
        var (findings, _) = Auditor().Analyze(new[]
        {
            User("never@pve", true, 0), User("soon@pve", true, Now + 86400 * 29), User("later@pve", true, Now + 86400 * 31),
            User("gone@pve", true, Now - 1),
        }, Array.Empty<AclEntry>(), (_, _) => true);

        string[] kinds = findings.Where(f => f.Finding != PveApiTokenAuditFindingKind.NoAclEntry)
            .Select(f => f.UserId + " " + f.Finding).ToArray();
        Assert.Equal(new[] { "never@pve NeverExpires", "soon@pve ExpiringSoon", "gone@pve Expired" }, kinds);

        // An expired token without ACL entries is reported once, as Expired.
        Assert.Equal(new[] { PveApiTokenAuditFindingKind.Expired }, findings.Where(f => f.UserId == "gone@pve").Select(f => f.Finding));
    }
}
