using System.Text.RegularExpressions;
using PveEmulator.Access;
using PveEmulator.Model;

namespace PveEmulator.Auth;

/// <summary>How a request authenticated: Kind is "none", "token" or "ticket"; AuthId the user or full token id.</summary>
internal sealed record AuthResult(string Kind, string? AuthId, bool TokenPresented);

/// <summary>An authentication failure; the message is the 401 reason phrase.</summary>
internal sealed class AuthFailureException(string message, string kind) : Exception(message)
{
    public string Kind { get; } = kind;
}

/// <summary>pve-manager's `auth_handler` with the credential extraction of pve-http-server (api.md §2.1–2.5).</summary>
internal sealed partial class Authenticator(EmulatorState state, TicketService tickets, PveVersion version)
{
    private const string CookieName = "PVEAuthCookie";
    private const string TokenName = "PVEAPIToken";

    /// <summary>Formatter.pm `extract_auth_value`: `(?:^|\s)KEY(?:=| )([^;]*)`, URI-unescaped.</summary>
    public static string? ExtractAuthValue(string? header, string key)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }
        Match m = Regex.Match(header, @"(?:^|\s)" + Regex.Escape(key) + @"(?:=| )([^;]*)");
        if (!m.Success)
        {
            return null;
        }
        string value = Uri.UnescapeDataString(m.Groups[1].Value);
        return value.Length == 0 ? null : value;
    }

    /// <summary>
    /// Authenticates a request the way pveproxy does before routing: a ticket (cookie first, then
    /// Authorization) wins over an API token; a few methods need no authentication at all.
    /// </summary>
    public AuthResult Authenticate(string method, string relativeUri, string? cookie, string? authorization, string? csrfToken)
    {
        string? ticket = ExtractAuthValue(cookie, CookieName) ?? ExtractAuthValue(authorization, CookieName);
        string? apiToken = ticket is null ? ExtractAuthValue(authorization, TokenName) : null;

        if (!RequiresAuth(method, relativeUri))
        {
            return new AuthResult("none", null, apiToken is not null);
        }
        if (apiToken is not null)
        {
            return new AuthResult("token", Specific(() => VerifyToken(apiToken), "token"), true);
        }
        if (ticket is null)
        {
            throw new AuthFailureException("No ticket", "none");
        }
        string user = Specific(() => VerifyTicket(ticket), "ticket");
        // CSRF protects cookie sessions; API tokens are stateless and need none.
        if (method != "GET" && !tickets.VerifyCsrfToken(user, csrfToken))
        {
            throw new AuthFailureException("Permission denied - invalid csrf token", "ticket");
        }
        return new AuthResult("ticket", user, false);
    }

    private static bool RequiresAuth(string method, string relativeUri) => (method, relativeUri) switch
    {
        ("GET", "/access/domains") => false,
        ("GET" or "POST", "/access/ticket") => false,
        ("POST", "/access/vncticket" or "/access/openid/login" or "/access/openid/auth-url") => false,
        _ => true,
    };

    /// <summary>Since pve-manager 9.1.5 every token/ticket failure answers the same text; before, the specific reason.</summary>
    private string Specific(Func<string> verify, string kind)
    {
        try
        {
            return verify();
        }
        catch (AuthFailureException e)
        {
            throw new AuthFailureException(version.UnifiedAuthFailureText ? "Authentication failed!" : e.Message, kind);
        }
    }

    /// <summary>AccessControl.pm `verify_token`; the check order decides the pre-9.1.5 message.</summary>
    public string VerifyToken(string value)
    {
        int eq = value.LastIndexOf('=');
        if (eq < 0)
        {
            throw new AuthFailureException("no tokenid specified", "token");
        }
        string fullId = value[..eq];
        string secret = value[(eq + 1)..];
        if (Identifiers.SplitTokenId(fullId) is not var (userId, tokenId))
        {
            throw new AuthFailureException($"'{fullId}' is not a valid token ID - not able to split into user and token parts", "token");
        }
        User user = CheckUserEnabled(userId);
        if (!user.Tokens.TryGetValue(tokenId, out Token? token))
        {
            throw new AuthFailureException($"no such token '{tokenId}' for user '{userId}'", "token");
        }
        if (token.Expire != 0 && token.Expire < EmulatorState.Now())
        {
            throw new AuthFailureException($"token '{tokenId}' access expired", "token");
        }
        if (!string.Equals(token.Secret, secret, StringComparison.Ordinal))
        {
            throw new AuthFailureException("invalid token value!", "token");
        }
        return fullId;
    }

    private string VerifyTicket(string ticket)
    {
        string data = tickets.Verify(ticket) ?? throw new AuthFailureException("permission denied - invalid PVE ticket", "ticket");
        if (!Identifiers.IsUserId(data))
        {
            // A half-authenticated TFA ticket is no session.
            throw new AuthFailureException($"value '{data}' does not look like a valid user name", "ticket");
        }
        CheckUserEnabled(data);
        return data;
    }

    /// <summary>`check_user_enabled`: exists, enabled, not expired.</summary>
    public User CheckUserEnabled(string userId)
    {
        if (!state.Users.TryGetValue(userId, out User? user))
        {
            throw new AuthFailureException($"no such user ('{userId}')", "none");
        }
        if (!user.Enable)
        {
            throw new AuthFailureException($"user '{userId}' is disabled", "none");
        }
        if (user.Expire != 0 && user.Expire < EmulatorState.Now())
        {
            throw new AuthFailureException($"user '{userId}' access expired", "none");
        }
        return user;
    }
}
