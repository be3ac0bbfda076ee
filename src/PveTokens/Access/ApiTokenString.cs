// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Security;
using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>
/// A parsed API token: the full token id in clear, the secret only as a read-only SecureString.
/// <see cref="ToString"/> shows the id and never the secret.
/// </summary>
internal sealed class ApiToken : IDisposable
{
    internal ApiToken(string userId, string tokenName, SecureString secret, bool secretHasUpperCase = false)
    {
        UserId = userId;
        TokenName = tokenName;
        Secret = secret;
        Secret.MakeReadOnly();
        SecretHasUpperCase = secretHasUpperCase;
    }

    /// <summary>The owning user, e.g. root@pam.</summary>
    internal string UserId { get; }

    /// <summary>The token's own name (PVE's "tokenid"), e.g. automation.</summary>
    internal string TokenName { get; }

    /// <summary>USER@REALM!TOKENID.</summary>
    internal string FullTokenId => UserId + "!" + TokenName;

    internal SecureString Secret { get; }

    /// <summary>
    /// Whether the secret has upper-case hex digits. PVE issues secrets in lower case and compares
    /// them exactly, so such a secret cannot work: a rejection should say why (<see cref="ApiTokenString.UpperCaseHint"/>).
    /// </summary>
    internal bool SecretHasUpperCase { get; }

    public override string ToString() => FullTokenId;

    public void Dispose() => Secret.Dispose();
}

/// <summary>
/// The one parser for API token strings (<c>USER@REALM!TOKENID=SECRET</c>), as people paste them:
/// with or without a <c>PVEAPIToken=</c> / <c>PVEAPIToken </c> prefix or a whole
/// <c>Authorization:</c> header, in quotes, with stray whitespace. A rejection names the exact
/// mistake and never contains the secret (or anything that could be it).
/// </summary>
internal static class ApiTokenString
{
    internal const string Form = "USER@REALM!TOKENID=SECRET";

    /// <summary>The hint for a rejected token whose secret has upper-case letters.</summary>
    internal const string UpperCaseHint =
        "The secret has upper-case letters, but PVE issues secrets in lower case and compares them exactly: use the secret exactly as it was shown (a caps-lock or an upper-casing tool changes it).";

    // Typographic quotes that chat tools and word processors put around pasted text, as pairs.
    private static readonly (char Open, char Close)[] QuotePairs =
    {
        ('"', '"'), ('\'', '\''), ('\u201C', '\u201D'), ('\u201D', '\u201D'), ('\u201E', '\u201C'), ('\u2018', '\u2019'),
        ('\u2019', '\u2019'), ('\u201A', '\u2018'), ('\u00AB', '\u00BB'), ('\u00BB', '\u00AB'),
    };

    private const string TypographicQuotes = "\u201C\u201D\u201E\u2018\u2019\u201A\u00AB\u00BB";

    private static readonly Regex UuidRegex = new Regex(
        "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$", RegexOptions.CultureInvariant);

    // Anything UUID-shaped is scrubbed from messages as a last line of defence.
    private static readonly Regex UuidAnywhere = new Regex(
        "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}", RegexOptions.CultureInvariant);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with a message naming the mistake.</summary>
    internal static ApiToken Parse(string? text) =>
        TryParse(text, out ApiToken? token, out string? error) ? token! : throw new FormatException(error);

    internal static bool TryParse(string? text, out ApiToken? token, out string? error)
    {
        token = null;
        string s = StripDecoration(text ?? string.Empty);
        error = Check(s, out string userId, out string tokenName, out int secretStart, out string plain);
        if (error is not null)
        {
            error = Scrub(error, s, secretStart);
            return false;
        }

        token = new ApiToken(userId, tokenName, SecretText.ToSecureString(plain), HasUpperCase(plain));
        return true;
    }

    /// <summary>
    /// Builds a token from a full token id and a secret held apart (a PSCredential, or two
    /// parameters). The secret may itself be the whole token string: then its id must match.
    /// </summary>
    internal static ApiToken FromParts(string fullTokenId, SecureString secret)
    {
        string id = StripDecoration(fullTokenId);
        string? error = PveIdentifier.CheckFullTokenId(id, out string userId, out string tokenName);
        if (error is not null)
        {
            throw new FormatException(UuidAnywhere.Replace(error, "<secret>"));
        }

        string plain = StripQuotes(SecretText.ToPlainText(secret).Trim());
        if (plain.IndexOf('=') >= 0)
        {
            // The whole token string pasted as the password: accept it when it names the same token.
            ApiToken whole = Parse(plain);
            if (!string.Equals(whole.FullTokenId, id, StringComparison.Ordinal))
            {
                string other = whole.FullTokenId;
                whole.Dispose();
                throw new FormatException($"The user name names the token '{id}' but the secret holds a token string for '{other}'.");
            }

            return whole;
        }

        if (!UuidRegex.IsMatch(plain))
        {
            throw new FormatException(NotAUuid(plain.Length));
        }

        return new ApiToken(userId, tokenName, SecretText.ToSecureString(plain), HasUpperCase(plain));
    }

    private static string StripDecoration(string text)
    {
        string s = text.Trim();
        s = StripQuotes(s);
        if (s.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))
        {
            s = StripQuotes(s.Substring("Authorization:".Length).Trim());
        }

        if (s.StartsWith("PVEAPIToken", StringComparison.OrdinalIgnoreCase) && s.Length > "PVEAPIToken".Length &&
            (s["PVEAPIToken".Length] == '=' || char.IsWhiteSpace(s["PVEAPIToken".Length])))
        {
            s = StripQuotes(s.Substring("PVEAPIToken".Length + 1).Trim());
        }

        return s;
    }

    private static string StripQuotes(string s)
    {
        bool stripped = true;
        while (stripped && s.Length >= 2)
        {
            stripped = false;
            foreach ((char open, char close) in QuotePairs)
            {
                if (s[0] == open && s[s.Length - 1] == close)
                {
                    s = s.Substring(1, s.Length - 2).Trim();
                    stripped = true;
                    break;
                }
            }
        }

        return s;
    }

    private static bool HasUpperCase(string secret)
    {
        foreach (char c in secret)
        {
            if (c >= 'A' && c <= 'Z')
            {
                return true;
            }
        }

        return false;
    }

    // Returns null when s is a well-formed token string; otherwise the reason. secretStart is the
    // index where the secret starts (s.Length when there is none) so Scrub can remove it, and the
    // secret itself without the quotes a paste may have put around it.
    private static string? Check(string s, out string userId, out string tokenName, out int secretStart, out string secret)
    {
        secret = string.Empty;
        userId = string.Empty;
        tokenName = string.Empty;
        secretStart = s.Length;
        if (s.Length == 0)
        {
            return $"The API token is empty: give it as {Form}.";
        }

        // PVE splits id and secret on the last '=' (a UUID never contains one).
        int eq = s.LastIndexOf('=');
        if (eq < 0)
        {
            return CheckWithoutEquals(s);
        }

        secretStart = eq + 1;
        string id = s.Substring(0, eq).Trim();
        int bang = id.IndexOf('!');
        if (bang < 0)
        {
            if (id.IndexOf('=') >= 0)
            {
                return $"The API token separates user and token name with '=' where PVE needs '!': write it as {Form} (e.g. root@pam!automation=<secret>).";
            }

            if (id.IndexOf('@') < 0)
            {
                return PveIdentifier.IsValidTokenName(id)
                    ? $"The API token names only the token ('{id}'), not its user: write it as {Form}, e.g. root@pam!{id}=<secret>."
                    : $"The API token has no '!' between the user id and the token name: write it as {Form}.";
            }

            return $"The API token has no '!' between the user id and the token name: write it as {Form} (e.g. {SafeUserId(id)}!automation=<secret>).";
        }

        if (id.IndexOf('!', bang + 1) >= 0)
        {
            return $"The API token contains more than one '!': write it as {Form} with exactly one '!' between the user id and the token name.";
        }

        userId = id.Substring(0, bang);
        tokenName = id.Substring(bang + 1);
        string? error = PveIdentifier.CheckUserId(userId);
        if (error is not null)
        {
            return "The API token's user id is not valid. " + error;
        }

        error = PveIdentifier.CheckTokenName(tokenName);
        if (error is not null)
        {
            return "The API token's token name is not valid. " + error;
        }

        secret = StripQuotes(s.Substring(secretStart).Trim());
        if (secret.Length == 0)
        {
            return $"The API token '{userId}!{tokenName}' has no secret after '=': write it as {Form}.";
        }

        if (secret.IndexOfAny(TypographicQuotes.ToCharArray()) >= 0 || secret.IndexOfAny(new[] { '"', '\'' }) >= 0)
        {
            return $"The API token '{userId}!{tokenName}' has quote characters in its secret (typographic quotes such as \u201C \u201D \u2018 \u2019 come from chat tools and documents): give the secret without them, {Form}.";
        }

        if (!UuidRegex.IsMatch(secret))
        {
            return $"The API token '{userId}!{tokenName}' has a secret that is not a UUID. " + NotAUuid(secret.Length);
        }

        secretStart = s.IndexOf(secret, secretStart, StringComparison.Ordinal);
        return null;
    }

    private static string CheckWithoutEquals(string s)
    {
        if (UuidRegex.IsMatch(s))
        {
            return $"The API token is only a secret: put the full token id in front of it, {Form}.";
        }

        int bang = s.IndexOf('!');
        if (bang < 0)
        {
            return s.IndexOf('@') < 0 && PveIdentifier.IsValidTokenName(s)
                ? $"'{s}' is a bare token name; an API token needs its user and its secret too: {Form}, e.g. root@pam!{s}=<secret>."
                : $"The API token has no '!' and no '=': write it as {Form}.";
        }

        // Without '=' there is no secret; PBS's ':' separator and a space are the usual slips.
        string after = s.Substring(bang + 1);
        if (after.IndexOf(':') >= 0)
        {
            return $"The API token separates the token id and the secret with ':' (Proxmox Backup Server's form); PVE needs '=': {Form}.";
        }

        if (after.IndexOfAny(new[] { ' ', '\t' }) >= 0)
        {
            return $"The API token separates the token id and the secret with a space; PVE needs '=': {Form}.";
        }

        return PveIdentifier.CheckFullTokenId(s) is null
            ? $"The API token '{s}' has no '=' and no secret: a full token id alone cannot log in; write {Form}."
            : $"The API token has no '=' before the secret: write it as {Form}.";
    }

    private static string NotAUuid(int length) =>
        $"PVE token secrets are UUIDs like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (36 characters; this one has {length}): check that it was copied whole.";

    private static string SafeUserId(string id) => PveIdentifier.CheckUserId(id) is null ? id : "USER@REALM";

    // Removes the secret part (and anything UUID-shaped) from a message, whatever the code above did.
    private static string Scrub(string message, string s, int secretStart)
    {
        if (secretStart < s.Length)
        {
            string secret = s.Substring(secretStart).Trim();
            if (secret.Length >= 8)
            {
                message = message.Replace(secret, "<secret>");
            }
        }

        return UuidAnywhere.Replace(message, "<secret>");
    }
}
