// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Text.RegularExpressions;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>Turns what users type for a server (host, host:port or URL) into the base URI.</summary>
internal static class PveServerAddress
{
    internal const int DefaultPort = 8006;

    /// <summary>
    /// Returns <c>https://host:port/</c> (plus a reverse-proxy prefix when the URL has one). The port
    /// is 8006 unless given; the scheme is https (PVE serves its API over HTTPS only). Throws
    /// <see cref="FormatException"/> with the reason.
    /// </summary>
    internal static Uri Parse(string server)
    {
        string s = server.Trim();
        if (s.Length == 0)
        {
            throw new FormatException("The server is empty: give a host name, host:port or https:// URL.");
        }

        if (s.IndexOf("://", StringComparison.Ordinal) < 0 && InputEcho.LooksLikeTokenString(s))
        {
            throw new FormatException(
                $"'{InputEcho.Quote(s)}' is an API token, not a server: give the server as -Server (host, host:port or https:// URL) and the token as -ApiToken, e.g. -Server pve1.example.com -ApiToken $token.");
        }

        string rest = s;
        int schemeEnd = s.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            string scheme = s.Substring(0, schemeEnd);
            if (!scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"'{InputEcho.Quote(server)}' uses {scheme}://, but the PVE API is served over HTTPS only: use https:// or give just the host name.");
            }

            rest = s.Substring(schemeEnd + 3);
        }

        int slash = rest.IndexOf('/');
        string authority = slash < 0 ? rest : rest.Substring(0, slash);
        string path = slash < 0 ? string.Empty : rest.Substring(slash);
        if (authority.IndexOf('@') >= 0)
        {
            throw new FormatException($"'{InputEcho.Quote(server)}' contains a user name; give the credential with -ApiToken or -Credential instead.");
        }

        // PVE takes no credential in the URL (no ?token= query auth exists): dropping it silently
        // would connect with another credential than the one the URL seems to carry.
        int query = path.IndexOf('?');
        if (query >= 0 && Regex.IsMatch(path.Substring(query), @"[?&](token|secret|password|ticket|PVEAuthCookie|PVEAPIToken)=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))
        {
            throw new FormatException(
                $"'{InputEcho.Quote(server)}' carries a credential in its query string, but PVE takes none in the URL: give the server without it, and the token with -ApiToken (or a login with -Credential).");
        }

        // A bare IPv6 address (several colons, no brackets) has no port.
        if (authority.IndexOf(':') != authority.LastIndexOf(':') && !authority.StartsWith("[", StringComparison.Ordinal))
        {
            authority = "[" + authority + "]";
        }

        bool explicitPort = authority.LastIndexOf(':') > authority.LastIndexOf(']');
        if (!Uri.TryCreate("https://" + authority + "/", UriKind.Absolute, out Uri? parsed) || parsed.Host.Length == 0)
        {
            throw new FormatException($"'{InputEcho.Quote(server)}' is not a valid host name, host:port or https:// URL.");
        }

        var builder = new UriBuilder(parsed) { Port = explicitPort ? parsed.Port : DefaultPort, Path = NormalizePath(path) };
        return builder.Uri;
    }

    private static string NormalizePath(string path)
    {
        string p = path.Split('?', '#')[0].TrimEnd('/');
        if (p.EndsWith("/api2/json", StringComparison.OrdinalIgnoreCase))
        {
            p = p.Substring(0, p.Length - "/api2/json".Length);
        }

        return p + "/";
    }
}
