namespace PveEmulator.Model;

/// <summary>Valid privileges and the built-in ("special") roles of the emulated version (api.md §7).</summary>
internal static class Privileges
{
    private static readonly string[] Common =
    [
        "Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
        "Group.Allocate", "Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify",
        "Pool.Allocate", "Pool.Audit", "Realm.Allocate", "Realm.AllocateUser", "SDN.Allocate", "SDN.Audit", "SDN.Use",
        "Sys.AccessNetwork", "Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify", "Sys.PowerMgmt", "Sys.Syslog",
        "User.Modify", "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU",
        "VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network",
        "VM.Config.Options", "VM.Console", "VM.Migrate", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback",
    ];

    private static readonly string[] GuestAgent =
        ["VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite"];

    /// <summary>All privileges valid in the emulated version (47 on 9.x, 42 on 8.x).</summary>
    public static IReadOnlySet<string> Valid(PveVersion version)
    {
        var set = new HashSet<string>(Common, StringComparer.Ordinal);
        if (version.HasGuestAgentPrivileges)
        {
            set.UnionWith(GuestAgent);
            set.Add("VM.GuestAgent.Unrestricted");
            set.Add("VM.Replicate");
        }
        else
        {
            set.Add("VM.Monitor");
        }
        return set;
    }

    /// <summary>The built-in roles, computed like AccessControl.pm `create_roles` for the version.</summary>
    public static IReadOnlyDictionary<string, string[]> BuiltInRoles(PveVersion version)
    {
        bool v9 = version.HasGuestAgentPrivileges;
        string[] vmUser = ["VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.PowerMgmt"];
        if (v9)
        {
            vmUser = [.. vmUser, .. GuestAgent];
        }
        string[] vmAdmin =
        [
            .. vmUser, "VM.Allocate", "VM.Clone", "VM.Config.CPU", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory",
            "VM.Config.Network", "VM.Config.Options", "VM.Migrate", "VM.Snapshot", "VM.Snapshot.Rollback",
            .. (v9 ? new[] { "VM.GuestAgent.Unrestricted", "VM.Replicate" } : new[] { "VM.Monitor" }),
        ];
        string[] auditor = ["Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit", "VM.Audit", .. (v9 ? new[] { "VM.GuestAgent.Audit" } : [])];
        string[] datastoreAdmin = ["Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit"];
        string[] pveAdmin =
        [
            .. vmAdmin, .. datastoreAdmin, "Group.Allocate", "Mapping.Audit", "Mapping.Use", "Pool.Allocate", "Pool.Audit",
            "Realm.AllocateUser", "SDN.Allocate", "SDN.Audit", "SDN.Use", "Sys.Audit", "Sys.Console", "Sys.Syslog", "User.Modify",
        ];
        return new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["Administrator"] = [.. Valid(version)],
            ["NoAccess"] = [],
            ["PVEAdmin"] = pveAdmin,
            ["PVEAuditor"] = auditor,
            ["PVEDatastoreAdmin"] = datastoreAdmin,
            ["PVEDatastoreUser"] = ["Datastore.AllocateSpace", "Datastore.Audit"],
            ["PVEMappingAdmin"] = ["Mapping.Audit", "Mapping.Modify", "Mapping.Use"],
            ["PVEMappingUser"] = ["Mapping.Audit", "Mapping.Use"],
            ["PVEPoolAdmin"] = ["Pool.Allocate", "Pool.Audit"],
            ["PVEPoolUser"] = ["Pool.Audit"],
            ["PVESDNAdmin"] = ["SDN.Allocate", "SDN.Audit", "SDN.Use"],
            ["PVESDNUser"] = ["SDN.Audit", "SDN.Use"],
            ["PVESysAdmin"] = ["Sys.Audit", "Sys.Console", "Sys.Syslog"],
            ["PVETemplateUser"] = ["VM.Audit", "VM.Clone"],
            ["PVEUserAdmin"] = ["Group.Allocate", "Realm.AllocateUser", "User.Modify"],
            ["PVEVMAdmin"] = vmAdmin,
            ["PVEVMUser"] = vmUser,
        };
    }
}
