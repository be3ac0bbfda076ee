using System.Text.Json;
using PveEmulator.Access;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>/access/users and /access/password (API2/User.pm, API2/AccessControl.pm; api.md §5.2, §9).</summary>
internal static class UsersApi
{
    private static readonly string[] ListPrivs = ["User.Modify", "Sys.Audit"];

    private static ParamDef[] UserProperties =>
    [
        ParamDef.Bool("enable"),
        ParamDef.Int("expire", minimum: 0),
        ParamDef.Str("firstname", maxLength: 1024),
        ParamDef.Str("lastname", maxLength: 1024),
        ParamDef.Str("email", format: "email-opt", maxLength: 254),
        ParamDef.Str("comment", maxLength: 2048),
        ParamDef.Str("keys", pattern: "[0-9a-zA-Z!=]{0,4096}"),
        ParamDef.Str("groups", format: "pve-groupid-list"),
    ];

    public static IEnumerable<ApiMethod> Methods() =>
    [
        new("GET", "/access/users", [ParamDef.Bool("enabled"), ParamDef.Bool("full")], ApiPermission.Anyone, List, Protected: true),
        new("POST", "/access/users",
            [ParamDef.UserId(), .. UserProperties, ParamDef.Str("password", maxLength: 64, minLength: 8)],
            new AndCheck(new UserIdRealmCheck(), new UserIdGroupCheck(["User.Modify"], "create")), Create, Protected: true),
        new("GET", "/access/users/{userid}", [ParamDef.UserId()], new UserIdGroupCheck(["User.Modify", "Sys.Audit"]), Read),
        new("PUT", "/access/users/{userid}", [ParamDef.UserId(), .. UserProperties, ParamDef.Bool("append", requires: "groups")],
            new UserIdGroupCheck(["User.Modify"], "update"), Update, Protected: true),
        new("DELETE", "/access/users/{userid}", [ParamDef.UserId()],
            new AndCheck(new UserIdRealmCheck(), new UserIdGroupCheck(["User.Modify"])), Delete, Protected: true),
        new("PUT", "/access/password",
            [ParamDef.UserId(), ParamDef.Str("password", optional: false, maxLength: 64, minLength: 8), ParamDef.Str("confirmation-password", maxLength: 64, minLength: 5)],
            new OrCheck(new UserIdSelfCheck(), new AndCheck(new UserIdRealmCheck(), new UserIdGroupCheck(["User.Modify"]))),
            ChangePassword, Protected: true, AllowToken: false),
    ];

    /// <summary>
    /// Sorted by userid; restricted to members of groups where the caller has User.Modify or
    /// Sys.Audit (all users with that on /access/groups), plus the caller itself — a token's owner
    /// is not "itself".
    /// </summary>
    private static JsonData List(ApiCall call)
    {
        bool all = call.Permissions.CheckAny(call.AuthId, "/access/groups", ListPrivs, noerr: true);
        HashSet<string>? allowed = all ? null : call.Permissions.GroupMembers(call.Permissions.FilterGroups(call.AuthId, ListPrivs));
        bool full = call.Flag("full");
        bool? enabled = call.Has("enabled") ? call.Flag("enabled") : null;
        Dictionary<string, string> realmTypes = call.State.Realms.ToDictionary(r => r.Id, r => r.Type, StringComparer.Ordinal);
        return w =>
        {
            w.WriteStartArray();
            foreach (User user in call.State.Users.Values)
            {
                if (allowed is not null && user.Id != call.AuthId && !allowed.Contains(user.Id))
                {
                    continue;
                }
                if (enabled is bool e && e != user.Enable)
                {
                    continue;
                }
                w.WriteStartObject();
                w.WriteString("userid", user.Id);
                Json.UserFields(w, user);
                if (realmTypes.TryGetValue(Identifiers.RealmOf(user.Id), out string? type))
                {
                    w.WriteString("realm-type", type);
                }
                if (full)
                {
                    w.WriteString("groups", string.Join(',', user.Groups));
                    w.WritePropertyName("tokens");
                    if (user.Tokens.Count == 0)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        w.WriteStartArray();
                        foreach (Token token in user.Tokens.Values)
                        {
                            w.WriteStartObject();
                            w.WriteString("tokenid", token.Id);
                            Json.TokenFields(w, token);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        };
    }

    /// <summary>GET one user: `groups` is an array here and `tokens` a map (or null).</summary>
    private static JsonData Read(ApiCall call)
    {
        User user = ExistingUser(call.State, call.Get("userid")!);
        return w =>
        {
            w.WriteStartObject();
            Json.UserFields(w, user);
            w.WriteStartArray("groups");
            foreach (string g in user.Groups)
            {
                w.WriteStringValue(g);
            }
            w.WriteEndArray();
            w.WritePropertyName("tokens");
            if (user.Tokens.Count == 0)
            {
                w.WriteNullValue();
            }
            else
            {
                w.WriteStartObject();
                foreach (Token token in user.Tokens.Values)
                {
                    w.WriteStartObject(token.Id);
                    Json.TokenFields(w, token);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        };
    }

    private static JsonData? Create(ApiCall call)
    {
        ApiException.InLock("create user failed", () =>
        {
            string userId = call.Get("userid")!;
            EmulatorState state = call.State;
            if (state.Users.ContainsKey(userId))
            {
                throw ApiException.Die($"user '{userId}' already exists");
            }
            if (call.Has("password"))
            {
                ExistingRealm(state, Identifiers.RealmOf(userId));
            }
            string[] groups = ExistingGroups(state, call.Get("groups"));
            var user = new User(userId)
            {
                Password = call.Get("password"),
                Enable = !call.Has("enable") || call.Flag("enable"),
                Expire = call.Has("expire") ? long.Parse(call.Get("expire")!, System.Globalization.CultureInfo.InvariantCulture) : 0,
                FirstName = call.Get("firstname") ?? "",
                LastName = call.Get("lastname") ?? "",
                Email = call.Get("email") ?? "",
                Comment = call.Get("comment") ?? "",
                Keys = call.Get("keys") ?? "",
            };
            state.Users[userId] = user;
            Join(state, user, groups);
        });
        return null;
    }

    private static JsonData? Update(ApiCall call)
    {
        ApiException.InLock("update user failed", () =>
        {
            EmulatorState state = call.State;
            User user = ExistingUser(state, call.Get("userid")!);
            string[] groups = ExistingGroups(state, call.Get("groups"));
            if (call.Has("enable"))
            {
                user.Enable = call.Flag("enable");
            }
            if (call.Has("expire"))
            {
                user.Expire = long.Parse(call.Get("expire")!, System.Globalization.CultureInfo.InvariantCulture);
            }
            if (call.Has("groups") && !call.Flag("append"))
            {
                foreach (string g in user.Groups)
                {
                    state.Groups[g].Members.Remove(user.Id);
                }
                user.Groups.Clear();
            }
            Join(state, user, groups);
            user.FirstName = call.Get("firstname") ?? user.FirstName;
            user.LastName = call.Get("lastname") ?? user.LastName;
            user.Email = call.Get("email") ?? user.Email;
            user.Comment = call.Get("comment") ?? user.Comment;
            user.Keys = call.Get("keys") ?? user.Keys;
        });
        return null;
    }

    /// <summary>Deleting a user that does not exist succeeds (the handler only removes what is there).</summary>
    private static JsonData? Delete(ApiCall call)
    {
        ApiException.InLock("delete user failed", () => call.State.DeleteUser(call.Get("userid")!));
        return null;
    }

    /// <summary>
    /// Sets the password in the user's realm. Callers other than root@pam confirm with their own
    /// current password (`reauth_user_for_user_modification`); only root@pam changes root's.
    /// </summary>
    private static JsonData? ChangePassword(ApiCall call)
    {
        string userId = call.Get("userid")!;
        if (call.AuthId != EmulatorState.RootUser)
        {
            if (userId == EmulatorState.RootUser)
            {
                throw ApiException.Permission();
            }
            string? confirmation = call.Get("confirmation-password");
            if (confirmation is null)
            {
                throw ApiException.Param("confirmation-password", "property is missing and it is not optional");
            }
            if (call.State.Users.GetValueOrDefault(call.AuthId)?.Password != confirmation)
            {
                throw ApiException.LoginFailed();
            }
        }
        User user = ExistingUser(call.State, userId);
        ExistingRealm(call.State, Identifiers.RealmOf(userId));
        user.Password = call.Get("password");
        return null;
    }

    internal static User ExistingUser(EmulatorState state, string userId) =>
        state.Users.TryGetValue(userId, out User? user) ? user : throw ApiException.Die($"no such user ('{userId}')");

    private static void ExistingRealm(EmulatorState state, string realm)
    {
        if (!state.Realms.Any(r => r.Id == realm))
        {
            throw ApiException.Die($"auth domain '{realm}' does not exist");
        }
    }

    private static string[] ExistingGroups(EmulatorState state, string? list)
    {
        string[] groups = Identifiers.SplitList(list);
        foreach (string g in groups)
        {
            if (!state.Groups.ContainsKey(g))
            {
                throw ApiException.Die($"no such group '{g}'");
            }
        }
        return groups;
    }

    private static void Join(EmulatorState state, User user, IEnumerable<string> groups)
    {
        foreach (string g in groups)
        {
            state.Groups[g].Members.Add(user.Id);
            user.Groups.Add(g);
        }
    }
}
