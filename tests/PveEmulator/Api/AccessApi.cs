using PveEmulator.Access;
using PveEmulator.Auth;
using PveEmulator.Model;
using PveEmulator.Transport;

namespace PveEmulator.Api;

/// <summary>GET /version, the /access index, realms and the login (API2.pm, API2/AccessControl.pm, API2/Domains.pm; api.md §2.3, §5.6).</summary>
internal static class AccessApi
{
    private static readonly string[] IndexEntries = ["users", "groups", "roles", "acl", "domains", "openid", "tfa", "ticket", "password"];

    /// <summary>The `repoid` of GET /version: a package build id (a git commit prefix on real nodes).</summary>
    private const string RepoId = "6c8e2f1b9a0d4e73";

    public static IEnumerable<ApiMethod> Methods() =>
    [
        new("GET", "/version", [], ApiPermission.Anyone, Version),
        new("GET", "/access", [], ApiPermission.Anyone, Index),
        new("GET", "/access/domains", [], ApiPermission.Anyone, Domains),
        new("GET", "/access/ticket", [], ApiPermission.Anyone, _ => null),
        new("POST", "/access/ticket",
            [
                ParamDef.Str("username", optional: false, maxLength: 64),
                ParamDef.Str("password", optional: false),
                ParamDef.Str("realm", format: "pve-realm", maxLength: 32),
                ParamDef.Str("otp"),
                new ParamDef("path", MaxLength: 64, Requires: "privs"),
                new ParamDef("privs", Format: "pve-priv-list", MaxLength: 64, Requires: "path"),
                ParamDef.Bool("new-format"),
                ParamDef.Str("tfa-challenge"),
            ],
            ApiPermission.Anyone, CreateTicket, Protected: true, AllowToken: false),
    ];

    private static JsonData Version(ApiCall call) => w =>
    {
        w.WriteStartObject();
        w.WriteString("version", call.Version.Text);
        w.WriteString("release", call.Version.Release);
        w.WriteString("repoid", RepoId);
        w.WriteEndObject();
    };

    private static JsonData Index(ApiCall call) => w =>
    {
        w.WriteStartArray();
        foreach (string subdir in IndexEntries)
        {
            w.WriteStartObject();
            w.WriteString("subdir", subdir);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    };

    private static JsonData Domains(ApiCall call) => w =>
    {
        w.WriteStartArray();
        foreach (Realm realm in call.State.Realms)
        {
            w.WriteStartObject();
            w.WriteString("realm", realm.Id);
            w.WriteString("type", realm.Type);
            Json.StringIfSet(w, "comment", realm.Comment);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    };

    /// <summary>
    /// Login with a password, renewal with a valid ticket as password (root@pam may renew for
    /// anyone), and the second TFA step (`tfa-challenge` + `password=totp:&lt;code&gt;`). Every
    /// failure is the same 401 "authentication failure" so that user names cannot be probed.
    /// </summary>
    private static JsonData CreateTicket(ApiCall call)
    {
        string username = call.Get("username")!;
        if (call.Get("realm") is { Length: > 0 } realm)
        {
            username += "@" + realm;
        }
        bool needTfa;
        try
        {
            needTfa = Authenticate(call, username);
        }
        catch (AuthFailureException)
        {
            throw ApiException.LoginFailed();
        }
        if (call.Get("path") is string path && call.Get("privs") is string privs)
        {
            // Verify-only mode: answers whether the credentials hold the privileges on the path.
            if (needTfa || !call.Permissions.Check(username, path, Identifiers.SplitList(privs), noerr: true))
            {
                throw ApiException.LoginFailed();
            }
            return w =>
            {
                w.WriteStartObject();
                w.WriteString("username", username);
                w.WriteEndObject();
            };
        }
        string ticket = needTfa ? call.Tickets.Create(HalfAuthData, aad: username) : call.Tickets.Create(username);
        string csrf = call.Tickets.CreateCsrfToken(username);
        SortedDictionary<string, SortedSet<string>>? cap = needTfa ? null : call.Permissions.ComputeApiPermission(username);
        return w =>
        {
            w.WriteStartObject();
            w.WriteString("username", username);
            w.WriteString("ticket", ticket);
            w.WriteString("CSRFPreventionToken", csrf);
            if (cap is null)
            {
                w.WriteNumber("NeedTFA", 1);
            }
            else
            {
                w.WriteStartObject("cap");
                foreach ((string area, SortedSet<string> privileges) in cap)
                {
                    w.WriteStartObject(area);
                    foreach (string p in privileges)
                    {
                        w.WriteNumber(p, 1);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        };
    }

    /// <summary>Data of a half-authenticated ticket: "!tfa!" and the (URI-escaped) challenge.</summary>
    private const string HalfAuthData = "!tfa!%7B%22totp%22%3Atrue%7D";

    /// <summary>Returns whether a second factor is still needed; throws on any failure.</summary>
    private static bool Authenticate(ApiCall call, string username)
    {
        User user = call.Authenticator.CheckUserEnabled(username);
        string password = call.Get("password")!;
        if (call.Get("tfa-challenge") is string challenge)
        {
            if (call.Has("otp") || call.Tickets.Verify(challenge, aad: username) != HalfAuthData
                || user.TotpSecret is null || !password.StartsWith("totp:", StringComparison.Ordinal)
                || !Totp.Verify(user.TotpSecret, password["totp:".Length..], DateTimeOffset.UtcNow))
            {
                throw new AuthFailureException("invalid tfa response", "none");
            }
            return false;
        }
        if (call.Tickets.Verify(password) is string ticketUser && Identifiers.IsUserId(ticketUser)
            && (ticketUser == EmulatorState.RootUser || ticketUser == username))
        {
            return false;
        }
        string realm = Identifiers.RealmOf(username);
        if (!call.State.Realms.Any(r => r.Id == realm) || user.Password is null || !string.Equals(user.Password, password, StringComparison.Ordinal))
        {
            throw new AuthFailureException("invalid credentials", "none");
        }
        if (user.TotpSecret is null)
        {
            return false;
        }
        if (call.Get("otp") is string otp)
        {
            return Totp.Verify(user.TotpSecret, otp, DateTimeOffset.UtcNow) ? false : throw new AuthFailureException("invalid otp", "none");
        }
        return true;
    }
}
