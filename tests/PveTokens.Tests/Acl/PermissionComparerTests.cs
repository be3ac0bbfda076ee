using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Tests.Acl;

public sealed class PermissionComparerTests
{
    private static PermissionMap Map(params (string Path, string Privilege, bool Propagate)[] items) =>
        new(items.GroupBy(i => i.Path).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<string, bool>)g.ToDictionary(i => i.Privilege, i => i.Propagate)));

    [Fact]
    public void Compare_marks_what_only_the_owner_holds()
    {
        PermissionMap token = Map(("/vms", "VM.Audit", true));
        PermissionMap owner = Map(("/vms", "VM.Audit", true), ("/vms", "VM.PowerMgmt", true), ("/storage", "Datastore.Audit", false));

        var rows = PermissionComparer.Compare(token, owner);

        Assert.Equal(
            new[] { ("/storage", "Datastore.Audit", PvePermissionState.OwnerOnly), ("/vms", "VM.Audit", PvePermissionState.Both), ("/vms", "VM.PowerMgmt", PvePermissionState.OwnerOnly) },
            rows.Select(r => (r.Path, r.Privilege, r.State)));
        Assert.Null(rows[0].TokenPropagate);
        Assert.False(rows[0].OwnerPropagate);
    }

    [Fact]
    public void Compare_reports_token_only_privileges_and_propagate_differences()
    {
        PermissionMap token = Map(("/", "Sys.Audit", false), ("/vms", "VM.Audit", true));
        PermissionMap owner = Map(("/", "Sys.Audit", true));

        var rows = PermissionComparer.Compare(token, owner);

        Assert.Equal(PvePermissionState.Both, rows[0].State);
        Assert.False(rows[0].TokenPropagate);
        Assert.True(rows[0].OwnerPropagate);
        Assert.Equal(PvePermissionState.TokenOnly, rows[1].State);
    }

    [Fact]
    public void Flatten_sorts_by_path_then_privilege()
    {
        PermissionMap map = Map(("/vms", "VM.Audit", true), ("/", "Sys.Audit", false), ("/vms", "VM.Allocate", true));
        Assert.Equal(new[] { "/ Sys.Audit", "/vms VM.Allocate", "/vms VM.Audit" },
            PermissionComparer.Flatten(map).Select(r => r.Path + " " + r.Privilege));
    }
}
