using PveTokens.Access;

namespace PveTokens.Tests.AccessReview;

/// <summary>Who lacks a privilege a token was tested for (api.md §4.4), on snapshots built by hand.</summary>
public sealed class TokenShortfallTests
{
    private static readonly (string, string)[] PowerOn100 = { ("/vms/100", "VM.PowerMgmt") };

    [Fact]
    public void A_privilege_separated_token_lacks_what_its_user_lacks_even_when_its_own_entry_grants_it()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("dev@pve", tokens: SnapshotBuilder.Token("ci"))
            .Acl("/vms/100", "PVEVMUser", token: "dev@pve!ci")
            .Evaluator();

        Assert.Equal(
            "Its user dev@pve lacks VM.PowerMgmt on /vms/100, and a token with privilege separation never holds more than its user: grant it to dev@pve too.",
            TokenShortfall.Explain(e, "dev@pve!ci", PowerOn100));
    }

    [Fact]
    public void A_privilege_separated_token_whose_user_holds_the_privilege_needs_an_entry_of_its_own()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("dev@pve", tokens: SnapshotBuilder.Token("ci"))
            .Acl("/vms", "PVEVMAdmin", user: "dev@pve")
            .Acl("/vms/100", "PVEAuditor", token: "dev@pve!ci")
            .Evaluator();

        Assert.Equal(
            "No ACL entry grants VM.PowerMgmt on /vms/100 to the token itself (its user has it): grant it with Set-PveAcl -TokenId 'dev@pve!ci'.",
            TokenShortfall.Explain(e, "dev@pve!ci", PowerOn100));
    }

    [Fact]
    public void Each_missing_pair_is_put_on_the_side_that_lacks_it_and_grouped_by_path()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("dev@pve", tokens: SnapshotBuilder.Token("ci"))
            .Acl("/vms/100", "PVEVMUser", user: "dev@pve")
            .Evaluator();

        string? why = TokenShortfall.Explain(e, "dev@pve!ci", new[]
        {
            ("/vms/100", "VM.PowerMgmt"), ("/vms/100", "VM.Audit"), ("/vms/100", "VM.Allocate"), ("/storage/local", "Datastore.AllocateSpace"),
        });

        Assert.Equal(
            "Its user dev@pve lacks VM.Allocate on /vms/100, Datastore.AllocateSpace on /storage/local, and a token with privilege separation never holds more than its user: grant them to dev@pve too. " +
            "No ACL entry grants VM.PowerMgmt, VM.Audit on /vms/100 to the token itself (its user has them): grant them with Set-PveAcl -TokenId 'dev@pve!ci'.",
            why);
    }

    [Fact]
    public void A_token_without_privilege_separation_gets_rights_only_through_its_user()
    {
        PermissionEvaluator e = new SnapshotBuilder()
            .User("dev@pve", tokens: SnapshotBuilder.Token("full", privsep: false))
            .Acl("/vms/100", "PVEVMAdmin", token: "dev@pve!full")
            .Evaluator();

        Assert.Equal(
            "dev@pve!full has no privilege separation, so it has exactly the rights of its user dev@pve (ACL entries naming the token are ignored): grant VM.PowerMgmt on /vms/100 to dev@pve.",
            TokenShortfall.Explain(e, "dev@pve!full", PowerOn100));
    }

    [Fact]
    public void A_root_token_lacks_only_what_its_own_entries_do_not_grant()
    {
        // root@pam holds everything; its privilege-separated tokens get exactly their own entries (§4.4).
        PermissionEvaluator e = new SnapshotBuilder()
            .User("root@pam", tokens: SnapshotBuilder.Token("auto"))
            .Evaluator();

        Assert.Equal(
            "No ACL entry grants VM.PowerMgmt on /vms/100 to the token itself (its user has it): grant it with Set-PveAcl -TokenId 'root@pam!auto'.",
            TokenShortfall.Explain(e, "root@pam!auto", PowerOn100));
    }

    [Fact]
    public void A_token_the_reads_did_not_show_has_no_explanation()
    {
        PermissionEvaluator e = new SnapshotBuilder().User("dev@pve").Evaluator();

        Assert.Null(TokenShortfall.Explain(e, "dev@pve!ci", PowerOn100));
        Assert.Null(TokenShortfall.Explain(e, "nobody@pve!ci", PowerOn100));
    }
}
