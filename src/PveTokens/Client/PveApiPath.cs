// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Text;

namespace PveTokens.Client;

/// <summary>
/// An API path given by a caller (Invoke-PveRestMethod -Path): checked and escaped so that it can
/// only name a path below the session's <c>/api2/json</c>, never another server or a query.
/// Messages describe what is wrong without quoting the input, which may hold a pasted secret.
/// </summary>
internal static class PveApiPath
{
    private const string JsonApiPrefix = "/api2/json";

    /// <summary>The API's top-level paths and the /access subtree (api.md), offered by tab completion.</summary>
    internal static readonly string[] WellKnown =
    {
        "/version", "/access/users", "/access/groups", "/access/roles", "/access/acl", "/access/domains", "/access/permissions",
        "/access/password", "/access/tfa", "/cluster/resources", "/cluster/status", "/nodes", "/pools", "/storage",
    };

    /// <summary>
    /// Returns the path to send (segments escaped, e.g. <c>/access/users/ci%40pve</c>), or null with
    /// <paramref name="error"/> saying what is wrong. Accepts escaped or unescaped segments and a
    /// pasted <c>/api2/json</c> prefix.
    /// </summary>
    internal static string? Normalize(string? path, out string? error)
    {
        error = null;
        string value = path?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = "The API path is empty. Give a path below /api2/json, e.g. /access/users.";
            return null;
        }

        if (value.IndexOf("://", StringComparison.Ordinal) >= 0 || !value.StartsWith("/", StringComparison.Ordinal))
        {
            error = "The API path must start with '/' and name no server (the session's server is used), e.g. /access/users or /nodes.";
            return null;
        }

        if (value.IndexOf('?') >= 0 || value.IndexOf('#') >= 0)
        {
            error = "The API path has a query string ('?') or fragment ('#'). Pass the parameters with -Body: GET and DELETE send them as the query string, POST and PUT as the form.";
            return null;
        }

        foreach (char c in value)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                error = "The API path holds a space or control character; PVE's paths have neither.";
                return null;
            }
        }

        if (value.StartsWith(JsonApiPrefix + "/", StringComparison.OrdinalIgnoreCase) || string.Equals(value, JsonApiPrefix, StringComparison.OrdinalIgnoreCase))
        {
            value = value.Substring(JsonApiPrefix.Length);
        }
        else if (value.StartsWith("/api2/", StringComparison.OrdinalIgnoreCase))
        {
            error = "The API path names another format than /api2/json; give the path below it, e.g. /access/users.";
            return null;
        }

        if (value.Trim('/').Length == 0)
        {
            error = "The API path names nothing below /api2/json; give one, e.g. /version or /access/users.";
            return null;
        }

        var escaped = new StringBuilder();
        foreach (string segment in value.Trim('/').Split('/'))
        {
            if (segment.Length == 0)
            {
                error = "The API path has an empty segment ('//').";
                return null;
            }

            string plain = Uri.UnescapeDataString(segment);
            if (plain == "." || plain == ".." || plain.IndexOf('/') >= 0)
            {
                error = "The API path has a '.' or '..' segment (or an escaped '/'); name the path itself.";
                return null;
            }

            escaped.Append('/').Append(Uri.EscapeDataString(plain));
        }

        return escaped.ToString();
    }
}
