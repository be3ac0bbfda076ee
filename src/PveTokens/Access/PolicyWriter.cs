// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>
/// Writes a server's configuration as a policy (.psd1 text) that plans back to no change: the objects
/// the scope owns (pve-realm users, tokens, groups, custom roles, ACL entries whose path and principal
/// are both owned), each with the fields the planner compares. Token expiries are written as fixed
/// dates; a rotation policy (Lifetime, RenewBefore) is a decision for the admin to add.
/// </summary>
internal static class PolicyWriter
{
    /// <summary>The scope of an export without -Scope: everything a policy may declare.</summary>
    internal static PolicyScope Everything => new()
    {
        Users = new[] { "*@pve" },
        Tokens = new[] { "*" },
        Groups = new[] { "*" },
        Roles = new[] { "*" },
        AclPaths = new[] { "*" },
    };

    internal static string Write(AccessSnapshot live, PolicyScope scope, string header)
    {
        var policy = new PolicyDocument { Scope = scope };
        var users = live.Users.Where(u => u.UserId.EndsWith("@pve", StringComparison.Ordinal) && PolicyScope.Matches(scope.Users, u.UserId)).ToList();
        var tokens = live.Users.SelectMany(u => u.Tokens.Where(t => !string.IsNullOrEmpty(t.TokenId)).Select(t => (User: u.UserId, Token: t)))
            .Where(t => PolicyScope.Matches(scope.Tokens, t.User + "!" + t.Token.TokenId)).ToList();
        var groups = live.Groups.Where(g => PolicyScope.Matches(scope.Groups, g.GroupId)).ToList();
        var roles = live.Roles.Where(r => !r.Special && PolicyScope.Matches(scope.Roles, r.RoleId)).ToList();
        var acl = live.Acl.Where(e => PolicyPlanner.OwnsEntry(policy, e) && !AclPrincipal.IsAlmighty(e.Type, e.Principal)).ToList();

        var w = new StringBuilder();
        foreach (string line in header.Split('\n'))
        {
            w.Append("# ").Append(line.TrimEnd('\r')).Append('\n');
        }

        w.Append("@{\n    SchemaVersion = ").Append(PolicyDocument.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture)).Append("\n\n");
        w.Append("    Scope = @{\n");
        Patterns(w, "Users", scope.Users);
        Patterns(w, "Tokens", scope.Tokens);
        Patterns(w, "Groups", scope.Groups);
        Patterns(w, "Roles", scope.Roles);
        Patterns(w, "AclPaths", scope.AclPaths);
        w.Append("    }\n");

        Section(w, "Roles", roles, r => $"Id = {Quote(r.RoleId)}; Privileges = {List(r.Privileges)}");
        Section(w, "Groups", groups, g => $"Id = {Quote(g.GroupId)}" + (string.IsNullOrEmpty(g.Comment) ? string.Empty : $"; Comment = {Quote(g.Comment!)}"));
        Section(w, "Users", users, u => $"Id = {Quote(u.UserId)}" +
            (string.IsNullOrEmpty(u.Comment) ? string.Empty : $"; Comment = {Quote(u.Comment!)}") +
            $"; Enabled = {Bool(u.Enabled)}" +
            (u.Expire == 0 ? string.Empty : $"; ExpiresAt = {Date(u.Expire)}") +
            $"; Groups = {List(u.Groups.Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal))}");
        Section(w, "Tokens", tokens, t => $"User = {Quote(t.User)}; Id = {Quote(t.Token.TokenId!)}" +
            (string.IsNullOrEmpty(t.Token.Comment) ? string.Empty : $"; Comment = {Quote(t.Token.Comment!)}") +
            $"; PrivilegeSeparation = {Bool(t.Token.PrivilegeSeparation ?? true)}" +
            ((t.Token.Expire ?? 0) == 0 ? string.Empty : $"; ExpiresAt = {Date(t.Token.Expire!.Value)}"));

        // One Acl item per path, propagate flag and role set, listing every principal holding exactly that set.
        var items = acl.GroupBy(e => (e.Path, e.Propagate, e.Type, e.Principal))
            .Select(g => (g.Key.Path, g.Key.Propagate, Principal: PolicyParser.FormatPrincipal(g.Key.Type, g.Key.Principal),
                Roles: g.Select(e => e.Role).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList()))
            .GroupBy(p => (p.Path, p.Propagate, Roles: string.Join(",", p.Roles)))
            .OrderBy(g => g.Key.Path, StringComparer.Ordinal).ThenBy(g => g.Key.Roles, StringComparer.Ordinal).ThenBy(g => g.Key.Propagate)
            .ToList();
        Section(w, "Acl", items, g => $"Path = {Quote(g.Key.Path)}; Roles = {List(g.First().Roles)}; " +
            $"Principals = {List(g.Select(p => p.Principal).OrderBy(p => p, StringComparer.Ordinal))}; Propagate = {Bool(g.Key.Propagate)}");
        w.Append("}\n");
        return w.ToString();
    }

    private static void Patterns(StringBuilder w, string key, IReadOnlyList<string>? patterns)
    {
        if (patterns is not null)
        {
            w.Append("        ").Append(key).Append(" = ").Append(List(patterns)).Append('\n');
        }
    }

    private static void Section<T>(StringBuilder w, string name, IEnumerable<T> items, Func<T, string> entry)
    {
        var list = items.ToList();
        w.Append('\n').Append("    ").Append(name).Append(" = @(");
        if (list.Count == 0)
        {
            w.Append(")\n");
            return;
        }

        w.Append('\n');
        foreach (T item in list)
        {
            w.Append("        @{ ").Append(entry(item)).Append(" }\n");
        }

        w.Append("    )\n");
    }

    private static string List(IEnumerable<string> values) => "@(" + string.Join(", ", values.Select(Quote)) + ")";

    private static string Bool(bool value) => value ? "$true" : "$false";

    private static string Date(long epoch) =>
        epoch > PveEpoch.MaxSeconds
            ? epoch.ToString(CultureInfo.InvariantCulture)
            : Quote(DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    /// <summary>A single-quoted PowerShell string: every quote character PowerShell accepts (' ‘ ’ ‚ ‛) is doubled.</summary>
    internal static string Quote(string value)
    {
        var b = new StringBuilder(value.Length + 2).Append('\'');
        foreach (char ch in value)
        {
            b.Append(ch);
            if (ch is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                b.Append(ch);
            }
        }

        return b.Append('\'').ToString();
    }
}
