// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>The policy text in <paramref name="format"/>; <paramref name="header"/> heads a .psd1 as comments (JSON has none).</summary>
    internal static string Write(AccessSnapshot live, PolicyScope scope, string header, PveAccessPolicyFormat format)
    {
        PolicyNode root = Build(live, scope);
        return format == PveAccessPolicyFormat.Json ? JsonText(root) : Psd1Text(root, header);
    }

    /// <summary>What an export declares, as the nodes a policy file is read into, so both formats say the same.</summary>
    private static PolicyNode Build(AccessSnapshot live, PolicyScope scope)
    {
        var policy = new PolicyDocument { Scope = scope };
        var users = live.Users.Where(u => u.UserId.EndsWith("@pve", StringComparison.Ordinal) && PolicyScope.Matches(scope.Users, u.UserId)).ToList();
        var tokens = live.Users.SelectMany(u => u.Tokens.Where(t => !string.IsNullOrEmpty(t.TokenId)).Select(t => (User: u.UserId, Token: t)))
            .Where(t => PolicyScope.Matches(scope.Tokens, t.User + "!" + t.Token.TokenId)).ToList();
        var groups = live.Groups.Where(g => PolicyScope.Matches(scope.Groups, g.GroupId)).ToList();
        var roles = live.Roles.Where(r => !r.Special && PolicyScope.Matches(scope.Roles, r.RoleId)).ToList();
        var acl = live.Acl.Where(e => PolicyPlanner.OwnsEntry(policy, e) && !AclPrincipal.IsAlmighty(e.Type, e.Principal)).ToList();

        PolicyNode root = PolicyNode.Map(0);
        Add(root, "SchemaVersion", PolicyNode.Int(PolicyDocument.CurrentSchemaVersion, 0));
        PolicyNode scopeNode = PolicyNode.Map(0);
        AddPatterns(scopeNode, "Users", scope.Users);
        AddPatterns(scopeNode, "Tokens", scope.Tokens);
        AddPatterns(scopeNode, "Groups", scope.Groups);
        AddPatterns(scopeNode, "Roles", scope.Roles);
        AddPatterns(scopeNode, "AclPaths", scope.AclPaths);
        Add(root, "Scope", scopeNode);

        Add(root, "Roles", Section(roles, (e, r) =>
        {
            Add(e, "Id", Text(r.RoleId));
            Add(e, "Privileges", Texts(r.Privileges));
        }));
        Add(root, "Groups", Section(groups, (e, g) =>
        {
            Add(e, "Id", Text(g.GroupId));
            AddIfAny(e, "Comment", g.Comment);
        }));
        Add(root, "Users", Section(users, (e, u) =>
        {
            Add(e, "Id", Text(u.UserId));
            AddIfAny(e, "Comment", u.Comment);
            Add(e, "Enabled", PolicyNode.Bool(u.Enabled, 0));
            if (u.Expire != 0)
            {
                Add(e, "ExpiresAt", Date(u.Expire));
            }

            Add(e, "Groups", Texts(u.Groups.Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal)));
        }));
        Add(root, "Tokens", Section(tokens, (e, t) =>
        {
            Add(e, "User", Text(t.User));
            Add(e, "Id", Text(t.Token.TokenId!));
            AddIfAny(e, "Comment", t.Token.Comment);
            Add(e, "PrivilegeSeparation", PolicyNode.Bool(t.Token.PrivilegeSeparation ?? true, 0));
            if ((t.Token.Expire ?? 0) != 0)
            {
                Add(e, "ExpiresAt", Date(t.Token.Expire!.Value));
            }
        }));

        // One Acl item per path, propagate flag and role set, listing every principal holding exactly that set.
        var items = acl.GroupBy(e => (e.Path, e.Propagate, e.Type, e.Principal))
            .Select(g => (g.Key.Path, g.Key.Propagate, Principal: PolicyParser.FormatPrincipal(g.Key.Type, g.Key.Principal),
                Roles: g.Select(e => e.Role).Distinct(StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList()))
            .GroupBy(p => (p.Path, p.Propagate, Roles: string.Join(",", p.Roles)))
            .OrderBy(g => g.Key.Path, StringComparer.Ordinal).ThenBy(g => g.Key.Roles, StringComparer.Ordinal).ThenBy(g => g.Key.Propagate)
            .ToList();
        Add(root, "Acl", Section(items, (e, g) =>
        {
            Add(e, "Path", Text(g.Key.Path));
            Add(e, "Roles", Texts(g.First().Roles));
            Add(e, "Principals", Texts(g.Select(p => p.Principal).OrderBy(p => p, StringComparer.Ordinal)));
            Add(e, "Propagate", PolicyNode.Bool(g.Key.Propagate, 0));
        }));
        return root;
    }

    private static void Add(PolicyNode map, string key, PolicyNode value) => map.Entries.Add(new KeyValuePair<string, PolicyNode>(key, value));

    private static void AddIfAny(PolicyNode map, string key, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            Add(map, key, Text(text!));
        }
    }

    private static void AddPatterns(PolicyNode map, string key, IReadOnlyList<string>? patterns)
    {
        if (patterns is not null)
        {
            Add(map, key, Texts(patterns));
        }
    }

    private static PolicyNode Section<T>(IEnumerable<T> items, Action<PolicyNode, T> fill)
    {
        PolicyNode list = PolicyNode.List(0);
        foreach (T item in items)
        {
            PolicyNode entry = PolicyNode.Map(0);
            fill(entry, item);
            list.Items.Add(entry);
        }

        return list;
    }

    private static PolicyNode Text(string value) => PolicyNode.String(value, 0);

    private static PolicyNode Texts(IEnumerable<string> values)
    {
        PolicyNode list = PolicyNode.List(0);
        list.Items.AddRange(values.Select(Text));
        return list;
    }

    /// <summary>An ISO date, or the epoch number when it lies beyond what a date can show.</summary>
    private static PolicyNode Date(long epoch) =>
        epoch > PveEpoch.MaxSeconds
            ? PolicyNode.Int(epoch, 0)
            : Text(DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    /// <summary>
    /// A .psd1: the header as comments, the scalars and the Scope table one key a line, each section a
    /// list with one entry a line (a diff then shows one object per changed line).
    /// </summary>
    private static string Psd1Text(PolicyNode root, string header)
    {
        var w = new StringBuilder();
        foreach (string line in header.Split('\n'))
        {
            w.Append("# ").Append(line.TrimEnd('\r')).Append('\n');
        }

        w.Append("@{\n");
        foreach (KeyValuePair<string, PolicyNode> top in root.Entries)
        {
            switch (top.Value.Kind)
            {
                case PolicyNodeKind.Map:
                    w.Append("\n    ").Append(top.Key).Append(" = @{\n");
                    foreach (KeyValuePair<string, PolicyNode> entry in top.Value.Entries)
                    {
                        w.Append("        ").Append(entry.Key).Append(" = ").Append(Inline(entry.Value)).Append('\n');
                    }

                    w.Append("    }\n");
                    break;
                case PolicyNodeKind.List:
                    w.Append("\n    ").Append(top.Key).Append(" = @(");
                    if (top.Value.Items.Count == 0)
                    {
                        w.Append(")\n");
                        break;
                    }

                    w.Append('\n');
                    foreach (PolicyNode item in top.Value.Items)
                    {
                        w.Append("        @{ ").Append(string.Join("; ", item.Entries.Select(e => e.Key + " = " + Inline(e.Value)))).Append(" }\n");
                    }

                    w.Append("    )\n");
                    break;
                default:
                    w.Append("    ").Append(top.Key).Append(" = ").Append(Inline(top.Value)).Append('\n');
                    break;
            }
        }

        return w.Append("}\n").ToString();
    }

    private static string Inline(PolicyNode value) => value.Kind switch
    {
        PolicyNodeKind.String => Quote(value.Text!),
        PolicyNodeKind.Boolean => value.Boolean ? "$true" : "$false",
        PolicyNodeKind.Integer => value.Integer.ToString(CultureInfo.InvariantCulture),
        PolicyNodeKind.List => "@(" + string.Join(", ", value.Items.Select(Inline)) + ")",
        PolicyNodeKind.Map => "@{ " + string.Join("; ", value.Entries.Select(e => e.Key + " = " + Inline(e.Value))) + " }",
        _ => "$null",
    };

    /// <summary>Indented JSON with the same keys; text stays readable (no \\u escapes for letters outside ASCII).</summary>
    private static string JsonText(PolicyNode root) => ToJson(root)!.ToJsonString(JsonOptions).Replace("\r\n", "\n") + "\n";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonNode? ToJson(PolicyNode value)
    {
        switch (value.Kind)
        {
            case PolicyNodeKind.Map:
                var map = new JsonObject();
                foreach (KeyValuePair<string, PolicyNode> entry in value.Entries)
                {
                    map.Add(entry.Key, ToJson(entry.Value));
                }

                return map;
            case PolicyNodeKind.List:
                var list = new JsonArray();
                foreach (PolicyNode item in value.Items)
                {
                    list.Add(ToJson(item));
                }

                return list;
            case PolicyNodeKind.String:
                return JsonValue.Create(value.Text);
            case PolicyNodeKind.Integer:
                return JsonValue.Create(value.Integer);
            case PolicyNodeKind.Boolean:
                return JsonValue.Create(value.Boolean);
            default:
                return null;
        }
    }

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
