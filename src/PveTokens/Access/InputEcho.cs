// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>
/// The one place that decides how user input may be quoted back in a message or an error's target.
/// Admins paste whole token strings (<c>user@realm!id=SECRET</c>) into whatever parameter is at hand,
/// and URLs with credentials in them, so every validator that quotes input quotes it through
/// <see cref="Quote"/>, and every error message passes <see cref="Scrub"/> on its way out.
/// </summary>
internal static class InputEcho
{
    /// <summary>What stands in for a masked secret.</summary>
    internal const string Mask = "***";

    private static readonly Regex UuidAnywhere = new(
        "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}", RegexOptions.CultureInvariant);

    // scheme://user:password@host: everything between "://" and the last '@' of the authority.
    private static readonly Regex UrlUserInfo = new(@"(?<=://)[^/?#\s'""]*@", RegexOptions.CultureInvariant);

    // token=..., password=..., ticket=... in a query string or a pasted form body.
    private static readonly Regex SecretQueryValue = new(
        @"(?<=\b(?:token|secret|password|ticket|PVEAuthCookie|CSRFPreventionToken)=)[^&#\s'""]+",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    // A full token id followed by a secret: "!name=VALUE" or "!name:VALUE" (PBS's form). The
    // placeholders the module's own advice uses (SECRET, <secret>, ***) are left alone; a secret
    // after a space is caught by its UUID shape (a space also ends ordinary sentences).
    private static readonly Regex TokenSecret = new(
        @"(?<=![A-Za-z][A-Za-z0-9.\-_]*[=:])(?!SECRET\b|<|\*\*\*)[^\s'""]+",
        RegexOptions.CultureInvariant);

    private static readonly Regex PortOrAddress = new(@"^[0-9A-Fa-f:.\[\]%/]*$", RegexOptions.CultureInvariant);

    // A PVE ticket: PVE:user@realm:HEXTIME::base64-signature.
    private static readonly Regex Ticket = new(@"PVE:[^:\s]+:[0-9A-Fa-f]{8}::[A-Za-z0-9+/=]+", RegexOptions.CultureInvariant);

    /// <summary>
    /// <paramref name="input"/> as a message may quote it: with anything after an '=' masked (no PVE
    /// identifier, path, privilege or role contains '=', so what follows one is a pasted secret), a
    /// URL's user info and secret query values masked, and any secret shape <see cref="Scrub"/> knows.
    /// </summary>
    internal static string Quote(string? input)
    {
        if (input is null)
        {
            return string.Empty;
        }

        string s = UrlUserInfo.Replace(input, Mask + "@");
        s = SecretQueryValue.Replace(s, Mask);
        if (s.IndexOf("://", StringComparison.Ordinal) < 0)
        {
            int start = s.StartsWith("PVEAPIToken=", StringComparison.OrdinalIgnoreCase) ? "PVEAPIToken=".Length : 0;
            int eq = s.IndexOf('=', start);
            if (eq >= 0 && !s.Substring(eq + 1).Equals(Mask, StringComparison.Ordinal))
            {
                s = s.Substring(0, eq + 1) + Mask;
            }

            // PBS's "id:secret" form: what follows a ':' is kept only when it could be a port or an
            // IPv6 address, the ':' of a server.
            int colon = s.IndexOf(':');
            if (colon >= 0 && !PortOrAddress.IsMatch(s.Substring(colon + 1)))
            {
                s = s.Substring(0, colon + 1) + Mask;
            }
        }

        return Scrub(s);
    }

    /// <summary>
    /// Free text (a message, PVE's answer) with every secret shape masked: a token string's secret,
    /// anything UUID-shaped (PVE's token secrets are UUIDs), URL user info, secret query values and
    /// tickets. The last line of defence behind <see cref="Quote"/>: every error passes it.
    /// </summary>
    internal static string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        string s = Ticket.Replace(text, "PVE:" + Mask);
        s = UrlUserInfo.Replace(s, Mask + "@");
        s = SecretQueryValue.Replace(s, Mask);
        s = TokenSecret.Replace(s, Mask);
        return UuidAnywhere.Replace(s, Mask);
    }

    /// <summary>
    /// Whether <paramref name="input"/> looks like a whole API token string (a full token id and a
    /// secret), so a validator can say "that is a token" instead of "that is not a server".
    /// </summary>
    internal static bool LooksLikeTokenString(string? input) =>
        input is not null && input.IndexOf('!') > 0 && (input.IndexOf('=', input.IndexOf('!')) > 0 || UuidAnywhere.IsMatch(input));
}
