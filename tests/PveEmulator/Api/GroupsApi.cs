using PveEmulator.Access;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>/access/groups (API2/Group.pm; api.md §5.5).</summary>
internal static class GroupsApi
{
    private static readonly string[] ListPrivs = ["User.Modify", "Sys.Audit", "Group.Allocate"];
    private static readonly ApiPermission Allocate = new PermCheck("/access/groups", ["Group.Allocate"]);
    private static readonly ParamDef GroupIdParam = ParamDef.Str("groupid", optional: false, format: "pve-groupid");

    public static IEnumerable<ApiMethod> Methods() =>
    [
        new("GET", "/access/groups", [], ApiPermission.Anyone, List),
        new("POST", "/access/groups", [GroupIdParam, ParamDef.Str("comment")], Allocate, Create, Protected: true),
        new("GET", "/access/groups/{groupid}", [GroupIdParam], new PermCheck("/access/groups", ["Sys.Audit", "Group.Allocate"], Any: true), Read),
        new("PUT", "/access/groups/{groupid}", [GroupIdParam, ParamDef.Str("comment")], Allocate, Update, Protected: true),
        new("DELETE", "/access/groups/{groupid}", [GroupIdParam], Allocate, Delete, Protected: true),
    ];

    /// <summary>Groups on whose /access/groups/&lt;g&gt; the caller has User.Modify, Sys.Audit or Group.Allocate.</summary>
    private static JsonData List(ApiCall call) => w =>
    {
        w.WriteStartArray();
        foreach (Group group in call.State.Groups.Values)
        {
            if (!call.Permissions.CheckAny(call.AuthId, "/access/groups/" + group.Id, ListPrivs, noerr: true))
            {
                continue;
            }
            w.WriteStartObject();
            w.WriteString("groupid", group.Id);
            Json.StringIfSet(w, "comment", group.Comment);
            w.WriteString("users", string.Join(',', group.Members));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    };

    private static JsonData Read(ApiCall call)
    {
        Group group = Existing(call.State, call.Get("groupid")!);
        return w =>
        {
            w.WriteStartObject();
            Json.StringIfSet(w, "comment", group.Comment);
            w.WriteStartArray("members");
            foreach (string member in group.Members)
            {
                w.WriteStringValue(member);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        };
    }

    private static JsonData? Create(ApiCall call)
    {
        ApiException.InLock("create group failed", () =>
        {
            string id = call.Get("groupid")!;
            if (call.State.Groups.ContainsKey(id))
            {
                throw ApiException.Die($"group '{id}' already exists");
            }
            call.State.Groups[id] = new Group(id) { Comment = call.Get("comment") ?? "" };
        });
        return null;
    }

    private static JsonData? Update(ApiCall call)
    {
        ApiException.InLock("update group failed", () =>
        {
            Group group = Existing(call.State, call.Get("groupid")!);
            group.Comment = call.Get("comment") ?? group.Comment;
        });
        return null;
    }

    /// <summary>Deleting a group drops the memberships and the group's ACL entries.</summary>
    private static JsonData? Delete(ApiCall call)
    {
        ApiException.InLock("delete group failed", () => call.State.DeleteGroup(Existing(call.State, call.Get("groupid")!).Id));
        return null;
    }

    private static Group Existing(EmulatorState state, string id) =>
        state.Groups.TryGetValue(id, out Group? group) ? group : throw ApiException.Die($"group '{id}' does not exist");
}
