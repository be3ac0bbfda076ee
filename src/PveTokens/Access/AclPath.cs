// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace PveTokens.Access;

/// <summary>
/// Client-side copy of PVE's ACL path rules (AccessControl.pm <c>normalize_path</c> and
/// <c>check_path</c>, pve-access-control 9.1): invalid paths are refused before any request, with a
/// message that says what is wrong and which paths exist.
/// </summary>
internal static class AclPath
{
    /// <summary>The fixed roots of the ACL tree, in the order PVE's documentation lists them.</summary>
    internal static readonly IReadOnlyList<string> Roots = new[]
    {
        "/", "/access", "/access/groups", "/access/realm", "/nodes", "/pool", "/sdn", "/storage", "/vms", "/mapping",
    };

    private const string Id = @"[A-Za-z0-9._\-]+";
    private const string Alnum = @"[A-Za-z0-9]+";

    // One alternative per line of check_path; the union of every PVE version we support
    // (fabrics arrived in 9.0.1, prefix-lists and route-maps in 9.1.0: older servers answer 400
    // for those, which the cmdlets report after the request).
    private static readonly Regex Valid = new(
        "^(?:/" +
        "|/access|/access/groups|/access/groups/" + Id + "|/access/realm|/access/realm/" + Id +
        "|/mapping|/mapping/" + Id + "|/mapping/" + Id + "/" + Id +
        "|/nodes|/nodes/" + Id +
        "|/pool|/pool/" + Id + "(?:/" + Id + "){0,2}" +
        "|/sdn|/sdn/controllers|/sdn/controllers/[A-Za-z0-9_\\-]+" +
        "|/sdn/(?:dns|fabrics|ipams|prefix-lists|route-maps)(?:/" + Alnum + ")?" +
        "|/sdn/zones(?:/" + Alnum + "(?:/" + Alnum + "(?:/[1-9][0-9]{0,3})?)?)?" +
        "|/storage|/storage/" + Id +
        "|/vms|/vms/[1-9][0-9]{2,}" +
        ")$",
        RegexOptions.CultureInvariant);

    private static readonly Regex Characters = new("^[A-Za-z0-9._\\-/]+$", RegexOptions.CultureInvariant);

    // What each root accepts below it, for the error message of a path that has a known root.
    private static readonly Dictionary<string, string> Shapes = new(StringComparer.Ordinal)
    {
        ["access"] = "/access, /access/groups, /access/groups/<group>, /access/realm or /access/realm/<realm> (singular 'realm'; there are no /access/users paths)",
        ["mapping"] = "/mapping, /mapping/<type> or /mapping/<type>/<id>",
        ["nodes"] = "/nodes or /nodes/<node>",
        ["pool"] = "/pool or /pool/<pool> (up to three levels: /pool/<a>/<b>/<c>)",
        ["sdn"] = "/sdn, /sdn/zones[/<zone>[/<vnet>[/<vlan 1-9999>]]], /sdn/controllers[/<id>], /sdn/dns[/<id>], /sdn/fabrics[/<id>], /sdn/ipams[/<id>], /sdn/prefix-lists[/<id>] or /sdn/route-maps[/<id>]",
        ["storage"] = "/storage or /storage/<storage>",
        ["vms"] = "/vms or /vms/<vmid> with a VM id of 100 or more",
    };

    /// <summary>
    /// Normalises <paramref name="path"/> as PVE does (leading '/', '//' collapsed, trailing '/'
    /// stripped). Returns null and a reason when the result has characters PVE never accepts.
    /// </summary>
    internal static string? Normalize(string? path, out string? error)
    {
        error = null;
        if (path is null || path.Trim().Length == 0)
        {
            error = "The ACL path is empty. " + RootsSentence;
            return null;
        }

        string p = "/" + path;
        p = Regex.Replace(p, "/{2,}", "/");
        if (p.Length > 1 && p.EndsWith("/", StringComparison.Ordinal))
        {
            p = p.Substring(0, p.Length - 1);
        }

        if (!Characters.IsMatch(p))
        {
            error = $"Invalid ACL path '{InputEcho.Quote(path)}': ACL paths contain only letters, digits, '.', '-', '_' and '/'" +
                (path.IndexOfAny(new[] { '@', '!' }) >= 0 ? " (users and tokens are principals, not paths: use -UserId or -TokenId)." : ".");
            return null;
        }

        return p;
    }

    /// <summary>
    /// Normalises <paramref name="path"/> and checks it against PVE's list of valid ACL paths
    /// (the check PVE makes when granting). Returns the normalised path, or null and a reason.
    /// </summary>
    internal static string? NormalizeAndValidate(string? path, out string? error)
    {
        string? p = Normalize(path, out error);
        if (p is null)
        {
            return null;
        }

        if (Valid.IsMatch(p))
        {
            return p;
        }

        string root = p.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries)[0];
        if (root == "access" && p.StartsWith("/access/realms", StringComparison.Ordinal))
        {
            error = $"Invalid ACL path '{InputEcho.Quote(path)}': the realm path is singular, /access/realm/<realm>.";
        }
        else if (Shapes.TryGetValue(root, out string? shape))
        {
            error = $"Invalid ACL path '{InputEcho.Quote(path)}': below /{root} PVE accepts {shape}.";
        }
        else
        {
            error = $"Invalid ACL path '{InputEcho.Quote(path)}': '/{root}' is not an ACL root. " + RootsSentence;
        }

        return null;
    }

    internal static bool IsValid(string? path) => NormalizeAndValidate(path, out _) is not null;

    private static string RootsSentence => "Valid paths start with one of: " + string.Join(", ", Roots) + ".";
}
