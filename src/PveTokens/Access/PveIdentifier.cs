// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>
/// The one place for PVE's identifier rules (api.md §3): realms, user ids, token names and full
/// token ids. Every cmdlet that takes one of these validates it here, so the messages are the same
/// everywhere. Messages quote only the identifier being checked, through <see cref="InputEcho.Quote"/>: a whole
/// token string pasted where an id belongs is quoted without its secret.
/// </summary>
internal static class PveIdentifier
{
    // Realms and token names share PVE's regex: a letter, then at least one of [A-Za-z0-9.-_].
    private static readonly Regex NameRegex = new Regex(@"^[A-Za-z][A-Za-z0-9.\-_]+$", RegexOptions.CultureInvariant);
    private static readonly Regex UserPartRegex = new Regex(@"^[^\s:/]+$", RegexOptions.CultureInvariant);

    internal const int UserIdMinLength = 3;
    internal const int UserIdMaxLength = 64;

    internal static bool IsValidRealm(string? realm) => realm is not null && NameRegex.IsMatch(realm);

    internal static bool IsValidTokenName(string? tokenName) => tokenName is not null && NameRegex.IsMatch(tokenName);

    /// <summary>Why <paramref name="tokenName"/> is not a valid token name (the part after '!'), or null when it is.</summary>
    internal static string? CheckTokenName(string tokenName)
    {
        if (tokenName.Length == 0)
        {
            return "The token name after '!' is empty.";
        }

        if (tokenName.IndexOf('=') >= 0)
        {
            return PastedSecret(tokenName, "token name");
        }

        return IsValidTokenName(tokenName)
            ? null
            : $"'{InputEcho.Quote(tokenName)}' is not a valid token name: it must start with a letter and contain only letters, digits, '.', '-' and '_' (at least 2 characters).";
    }

    /// <summary>
    /// Splits <paramref name="userId"/> into user and realm on its last '@' (a user name may itself
    /// contain '@', e.g. an AD UPN) and checks both. Returns null when valid, else the reason.
    /// </summary>
    internal static string? CheckUserId(string userId, out string user, out string realm)
    {
        user = string.Empty;
        realm = string.Empty;
        if (userId.Length == 0)
        {
            return "The user id is empty: write it as USER@REALM, e.g. root@pam.";
        }

        if (InputEcho.LooksLikeTokenString(userId))
        {
            return PastedSecret(userId, "user id");
        }

        int at = userId.LastIndexOf('@');
        if (at < 0)
        {
            return $"The user id '{InputEcho.Quote(userId)}' has no realm: write it as USER@REALM, e.g. {InputEcho.Quote(userId)}@pam or {InputEcho.Quote(userId)}@pve.";
        }

        user = userId.Substring(0, at);
        realm = userId.Substring(at + 1);
        if (user.Length == 0)
        {
            return $"The user id '{InputEcho.Quote(userId)}' has no user name before '@'.";
        }

        if (!UserPartRegex.IsMatch(user))
        {
            return $"The user name '{InputEcho.Quote(user)}' contains a character PVE does not allow in user names (whitespace, ':' or '/').";
        }

        if (!IsValidRealm(realm))
        {
            return realm.Length == 0
                ? $"The user id '{InputEcho.Quote(userId)}' has an empty realm after '@': write it as USER@REALM, e.g. {InputEcho.Quote(user)}@pam."
                : $"'{InputEcho.Quote(realm)}' in '{InputEcho.Quote(userId)}' is not a valid realm: a realm starts with a letter and contains only letters, digits, '.', '-' and '_' (at least 2 characters).";
        }

        if (userId.Length < UserIdMinLength)
        {
            return $"The user id '{InputEcho.Quote(userId)}' is too short (at least {UserIdMinLength} characters).";
        }

        if (userId.Length > UserIdMaxLength)
        {
            return $"The user id '{InputEcho.Quote(userId)}' is too long ({userId.Length} > {UserIdMaxLength} characters).";
        }

        return null;
    }

    /// <summary>Why <paramref name="userId"/> is not a valid PVE user id, or null when it is.</summary>
    internal static string? CheckUserId(string userId) => CheckUserId(userId, out _, out _);

    /// <summary>
    /// Splits a full token id <c>USER@REALM!TOKENID</c> and validates both halves. Returns null
    /// when valid, else the reason.
    /// </summary>
    internal static string? CheckFullTokenId(string fullTokenId, out string userId, out string tokenName)
    {
        userId = string.Empty;
        tokenName = string.Empty;
        if (fullTokenId.IndexOf('=') >= 0)
        {
            return PastedSecret(fullTokenId, "token id");
        }

        int bang = fullTokenId.IndexOf('!');
        if (bang < 0)
        {
            return fullTokenId.IndexOf('@') < 0 && IsValidTokenName(fullTokenId)
                ? $"'{fullTokenId}' is a bare token name; the full token id also names its user: USER@REALM!{fullTokenId}, e.g. root@pam!{fullTokenId}."
                : $"The token id '{InputEcho.Quote(fullTokenId)}' has no '!': write it as USER@REALM!TOKENID, e.g. root@pam!automation.";
        }

        if (fullTokenId.IndexOf('!', bang + 1) >= 0)
        {
            return $"The token id '{InputEcho.Quote(fullTokenId)}' contains more than one '!': write it as USER@REALM!TOKENID with exactly one '!'.";
        }

        userId = fullTokenId.Substring(0, bang);
        tokenName = fullTokenId.Substring(bang + 1);
        return CheckUserId(userId) ?? CheckTokenName(tokenName);
    }

    /// <summary>Why <paramref name="fullTokenId"/> is not a valid full token id, or null when it is.</summary>
    internal static string? CheckFullTokenId(string fullTokenId) => CheckFullTokenId(fullTokenId, out _, out _);

    // The whole token string (or a secret after '=') pasted where an identifier belongs.
    private static string PastedSecret(string input, string what) =>
        $"'{InputEcho.Quote(input)}' is not a valid {what}: it holds an '=' and what follows it, the way a token string carries its secret (USER@REALM!TOKENID=SECRET). Give the {what} alone, without '=' and the secret.";
}
