using System.Globalization;
using PveEmulator.Access;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>/access/users/{userid}/token… (API2/User.pm; api.md §4, §5.1, §10).</summary>
internal static class TokensApi
{
    /// <summary>Self, or User.Modify via userid-group. A token is never "self": its id is user@realm!tokenid.</summary>
    private static readonly ApiPermission TokenPermission = new OrCheck(new UserIdSelfCheck(), new UserIdGroupCheck(["User.Modify"]));

    private static readonly ParamDef TokenIdParam = ParamDef.Str("tokenid", optional: false, pattern: Identifiers.TokenSubIdPattern);

    public static IEnumerable<ApiMethod> Methods(PveVersion version)
    {
        var update = new List<ParamDef>
        {
            ParamDef.UserId(), TokenIdParam, ParamDef.Str("comment"), ParamDef.Int("expire", minimum: 0), ParamDef.Bool("privsep"),
        };
        if (version.TokenCommentDeletion)
        {
            update.Add(ParamDef.Str("delete", format: "pve-configid-list"));
        }
        if (version.TokenRegenerate)
        {
            update.Add(ParamDef.Bool("regenerate"));
        }
        return
        [
            new("GET", "/access/users/{userid}/token", [ParamDef.UserId()], TokenPermission, List),
            new("GET", "/access/users/{userid}/token/{tokenid}", [ParamDef.UserId(), TokenIdParam], TokenPermission, Read),
            new("POST", "/access/users/{userid}/token/{tokenid}",
                [ParamDef.UserId(), TokenIdParam, ParamDef.Str("comment"), ParamDef.Int("expire", minimum: 0), ParamDef.Bool("privsep")],
                TokenPermission, Create, Protected: true),
            new("PUT", "/access/users/{userid}/token/{tokenid}", [.. update], TokenPermission, Update, Protected: true),
            new("DELETE", "/access/users/{userid}/token/{tokenid}", [ParamDef.UserId(), TokenIdParam], TokenPermission, Delete, Protected: true),
        ];
    }

    private static JsonData List(ApiCall call)
    {
        User user = UsersApi.ExistingUser(call.State, call.Get("userid")!);
        return w =>
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
        };
    }

    private static JsonData Read(ApiCall call)
    {
        Token token = ExistingToken(call, out _);
        return w =>
        {
            w.WriteStartObject();
            Json.TokenFields(w, token);
            w.WriteEndObject();
        };
    }

    /// <summary>
    /// The secret is returned only here (and on regenerate). `info` echoes the request: values the
    /// caller passed are strings, the defaulted privsep is the number 1, an empty comment is left out.
    /// </summary>
    private static JsonData Create(ApiCall call)
    {
        User user = UsersApi.ExistingUser(call.State, call.Get("userid")!);
        string tokenId = call.Get("tokenid")!;
        if (user.Tokens.ContainsKey(tokenId))
        {
            throw ApiException.Param("tokenid", "Token already exists.");
        }
        Token token = ApiException.InLock("generating token failed", () =>
        {
            var created = new Token(tokenId, EmulatorState.NewSecret())
            {
                Privsep = !call.Has("privsep") || call.Flag("privsep"),
                Expire = call.Has("expire") ? long.Parse(call.Get("expire")!, CultureInfo.InvariantCulture) : 0,
                Comment = call.Get("comment") ?? "",
            };
            user.Tokens[tokenId] = created;
            return created;
        });
        return w =>
        {
            w.WriteStartObject();
            w.WriteString("full-tokenid", $"{user.Id}!{tokenId}");
            w.WriteStartObject("info");
            if (call.Get("privsep") is string privsep)
            {
                w.WriteString("privsep", privsep);
            }
            else
            {
                w.WriteNumber("privsep", 1);
            }
            if (call.Get("expire") is string expire)
            {
                w.WriteString("expire", expire);
            }
            if (call.Get("comment") is { Length: > 0 } comment)
            {
                w.WriteString("comment", comment);
            }
            w.WriteEndObject();
            w.WriteString("value", token.Secret);
            w.WriteEndObject();
        };
    }

    /// <summary>
    /// Returns the token after the update: fields set by this call as the request's strings, the
    /// others as config numbers. `regenerate=1` replaces the secret in place (ACLs stay).
    /// </summary>
    private static JsonData Update(ApiCall call)
    {
        Token token = ExistingToken(call, out User user);
        bool regenerate = call.Flag("regenerate");
        ApiException.InLock("updating token info failed", () =>
        {
            string[] delete = Identifiers.SplitList(call.Get("delete"));
            string? unknown = delete.FirstOrDefault(k => k != "comment");
            if (unknown is not null)
            {
                throw ApiException.Param("delete", $"unknown option '{unknown}'");
            }
            if (delete.Length > 0)
            {
                token.Comment = "";
            }
            if (call.Has("privsep"))
            {
                token.Privsep = call.Flag("privsep");
            }
            if (call.Has("expire"))
            {
                token.Expire = long.Parse(call.Get("expire")!, CultureInfo.InvariantCulture);
            }
            // Since access-control 9.0.4 an empty comment deletes it; before, it was ignored.
            if (call.Get("comment") is string comment && (comment.Length > 0 || call.Version.TokenCommentDeletion))
            {
                token.Comment = comment;
            }
            if (regenerate)
            {
                token.Secret = EmulatorState.NewSecret();
            }
        });
        return w =>
        {
            w.WriteStartObject();
            if (call.Get("privsep") is string privsep)
            {
                w.WriteString("privsep", privsep);
            }
            else
            {
                Json.Bool(w, "privsep", token.Privsep);
            }
            if (call.Get("expire") is string expire)
            {
                w.WriteString("expire", expire);
            }
            else
            {
                w.WriteNumber("expire", token.Expire);
            }
            Json.StringIfSet(w, "comment", token.Comment);
            if (regenerate)
            {
                w.WriteString("value", token.Secret);
                w.WriteString("full-tokenid", $"{user.Id}!{token.Id}");
            }
            w.WriteEndObject();
        };
    }

    /// <summary>Deleting a token also drops its ACL entries; a re-created token starts without any.</summary>
    private static JsonData? Delete(ApiCall call)
    {
        Token token = ExistingToken(call, out User user);
        ApiException.InLock("deleting token failed", () => call.State.DeleteToken(user, token.Id));
        return null;
    }

    private static Token ExistingToken(ApiCall call, out User user)
    {
        user = UsersApi.ExistingUser(call.State, call.Get("userid")!);
        string tokenId = call.Get("tokenid")!;
        return user.Tokens.TryGetValue(tokenId, out Token? token)
            ? token
            : throw ApiException.Die($"no such token '{tokenId}' for user '{user.Id}'");
    }
}
