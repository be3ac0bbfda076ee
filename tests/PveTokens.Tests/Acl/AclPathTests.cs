using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Acl;

public sealed class AclPathTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/vms/100", "/vms/100")]
    [InlineData("vms/100", "/vms/100")]
    [InlineData("/storage/nfs/", "/storage/nfs")]
    [InlineData("//storage//iso", "/storage/iso")]
    [InlineData("///", "/")]
    [InlineData("/access/groups/ops", "/access/groups/ops")]
    [InlineData("/access/realm/pve", "/access/realm/pve")]
    [InlineData("/nodes/pve1", "/nodes/pve1")]
    [InlineData("/pool/prod", "/pool/prod")]
    [InlineData("/pool/a/b/c", "/pool/a/b/c")]
    [InlineData("/sdn/zones/zone1", "/sdn/zones/zone1")]
    [InlineData("/sdn/zones/zone1/vnet1/42", "/sdn/zones/zone1/vnet1/42")]
    [InlineData("/sdn/controllers/ctl_1-a", "/sdn/controllers/ctl_1-a")]
    [InlineData("/sdn/fabrics/f1", "/sdn/fabrics/f1")]
    [InlineData("/sdn/prefix-lists/p1", "/sdn/prefix-lists/p1")]
    [InlineData("/sdn/route-maps", "/sdn/route-maps")]
    [InlineData("/storage/local-lvm", "/storage/local-lvm")]
    [InlineData("/vms", "/vms")]
    [InlineData("/vms/999999", "/vms/999999")]
    [InlineData("/mapping/pci/gpu0", "/mapping/pci/gpu0")]
    public void Accepts_valid_paths_and_normalises_them_as_PVE(string input, string expected)
    {
        Assert.Equal(expected, AclPath.NormalizeAndValidate(input, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("/vms/99", "VM id of 100 or more")]
    [InlineData("/vms/0100", "VM id of 100 or more")]
    [InlineData("/access/realms/pve", "singular, /access/realm/<realm>")]
    [InlineData("/foo", "'/foo' is not an ACL root. Valid paths start with one of: /, /access, /access/groups, /access/realm, /nodes, /pool, /sdn, /storage, /vms, /mapping.")]
    [InlineData("/access/users/alice@pve", "use -UserId or -TokenId")]
    [InlineData("/vms/100 ", "only letters, digits")]
    [InlineData("", "The ACL path is empty")]
    [InlineData("   ", "The ACL path is empty")]
    [InlineData("/pool/a/b/c/d", "up to three levels")]
    [InlineData("/sdn/zones/z1/v1/10000", "/sdn/zones[/<zone>")]
    [InlineData("/nodes/pve1/qemu", "/nodes or /nodes/<node>")]
    [InlineData("/storage/a/b", "/storage or /storage/<storage>")]
    public void Refuses_invalid_paths_with_a_reason(string input, string reasonFragment)
    {
        Assert.Null(AclPath.NormalizeAndValidate(input, out string? error));
        Assert.NotNull(error);
        Assert.Contains(reasonFragment, error);
    }

    [Fact]
    public void Normalize_alone_skips_the_whitelist_as_PVE_does_for_delete()
    {
        Assert.Equal("/foo", AclPath.Normalize("/foo/", out string? error));
        Assert.Null(error);
        Assert.Null(AclPath.Normalize("/a b", out error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Roots_are_all_valid_paths()
    {
        Assert.All(AclPath.Roots, root => Assert.True(AclPath.IsValid(root), root));
    }
}
