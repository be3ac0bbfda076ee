using PveTokens.Access;

namespace PveTokens.Tests.Access;

/// <summary>The (path, privilege) list of a preflight, without a server.</summary>
public class PrivilegeRequirementsTests
{
    [Fact]
    public void Keeps_each_privilege_on_its_own_path_in_the_order_given_and_once()
    {
        IReadOnlyList<PrivilegeRequirement>? list = PrivilegeRequirements.FromPairs(new (string?, string?)[]
        {
            ("/vms/100/", "VM.PowerMgmt"), ("/storage/backup", "Datastore.AllocateSpace"), ("/vms/100", "vm.powermgmt"), ("/vms/100", " VM.Audit "),
        }, out string? error);

        Assert.Null(error);
        Assert.Equal(new[] { "/vms/100 VM.PowerMgmt", "/storage/backup Datastore.AllocateSpace", "/vms/100 VM.Audit" }, list!.Select(r => r.ToString()));
    }

    [Fact]
    public void The_product_asks_every_privilege_on_every_path_and_on_the_root_when_no_path_is_given()
    {
        Assert.Equal(new[] { "/ VM.Audit", "/ Sys.Audit" },
            PrivilegeRequirements.FromProduct(Array.Empty<string>(), new[] { "VM.Audit", "Sys.Audit" }, out _)!.Select(r => r.ToString()));
        Assert.Equal(new[] { "/vms VM.Audit", "/pool/x VM.Audit" },
            PrivilegeRequirements.FromProduct(new[] { "/vms", "/pool/x" }, new[] { "VM.Audit" }, out _)!.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData("/nope", "VM.Audit", "A requirement's path is not valid")]
    [InlineData("/vms", "VM.Audit,VM.PowerMgmt", "is not one privilege name")]
    [InlineData("/vms", "VM.Audit VM.PowerMgmt", "is not one privilege name")]
    [InlineData("/vms", "", "is not one privilege name")]
    [InlineData("/vms", null, "is not one privilege name")]
    [InlineData("/vms", "ci@pve!x=0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1e3b5d", "is not one privilege name")]
    public void Refuses_a_bad_path_or_privilege_without_quoting_the_privilege(string? path, string? privilege, string message)
    {
        Assert.Null(PrivilegeRequirements.FromPairs(new[] { (path, privilege) }, out string? error));
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("0b7d2c4e", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_to_check_is_an_error()
    {
        Assert.Null(PrivilegeRequirements.FromPairs(Array.Empty<(string?, string?)>(), out string? error));
        Assert.Contains("No requirement was given", error, StringComparison.Ordinal);
    }
}
