// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>
/// Turns the values of a policy file into a <see cref="PolicyDocument"/>, refusing anything a typo
/// could have produced: unknown keys, wrong types, bad ids, invalid ACL paths, duplicates and
/// contradictions. Every problem is collected (not just the first), each naming the file, the entry,
/// the line and the fix. Checks that need the server (roles and privileges that exist, referenced
/// users) are <see cref="PolicyPlanner"/>'s.
/// </summary>
internal static class PolicyParser
{
    private static readonly string[] RootKeys = { "SchemaVersion", "Roles", "Users", "Groups", "Tokens", "Acl", "Scope" };
    private static readonly string[] RoleKeys = { "Id", "Privileges" };
    private static readonly string[] UserKeys = { "Id", "Comment", "Enabled", "ExpiresAt", "Groups" };
    private static readonly string[] GroupKeys = { "Id", "Comment" };
    private static readonly string[] TokenKeys = { "User", "Id", "Comment", "PrivilegeSeparation", "ExpiresAt", "Lifetime", "RenewBefore" };
    private static readonly string[] AclKeys = { "Path", "Roles", "Principals", "Propagate" };
    private static readonly string[] ScopeKeys = { "Users", "Tokens", "Groups", "Roles", "AclPaths" };

    /// <summary>Every section and the keys its entries may have (the one list validation and its tests read).</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> SectionKeys = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Roles"] = RoleKeys,
        ["Users"] = UserKeys,
        ["Groups"] = GroupKeys,
        ["Tokens"] = TokenKeys,
        ["Acl"] = AclKeys,
        ["Scope"] = ScopeKeys,
    };
    private static readonly Regex PrivilegeRegex = new(@"^[A-Za-z]+(\.[A-Za-z]+)+$", RegexOptions.CultureInvariant);
    private static readonly Regex DurationRegex = new(@"^\s*(\d+)\s*(d|h|m|s)\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <summary>The built-in roles PVE creates itself (api.md §7); custom roles may not use their names.</summary>
    internal static readonly IReadOnlyCollection<string> BuiltInRoles = new HashSet<string>(StringComparer.Ordinal) { "Administrator", "NoAccess" };

    /// <summary>Validates a whole policy file.</summary>
    internal static PolicyDocument? Parse(PolicyNode root, string source, List<PolicyError> errors)
    {
        var context = new Context(source, errors);
        int before = errors.Count;
        var document = new PolicyDocument { Source = source };
        if (root.Kind != PolicyNodeKind.Map)
        {
            context.Error("the file", root.Line, $"The policy must be a table (@{{ … }} in a .psd1, {{ … }} in JSON), not {root.Describe()}.",
                "Start from Export-PveAccessPolicy's output or the example in about_PveTokens_AccessPolicy.");
            return null;
        }

        Dictionary<string, PolicyNode> top = context.Keys(root, RootKeys, "the file");
        if (!top.TryGetValue("SchemaVersion", out PolicyNode? version))
        {
            context.Error("the file", root.Line, "SchemaVersion is missing.", $"Add SchemaVersion = {PolicyDocument.CurrentSchemaVersion} at the top.");
        }
        else if (version.Kind != PolicyNodeKind.Integer || version.Integer != PolicyDocument.CurrentSchemaVersion)
        {
            context.Error("SchemaVersion", version.Line, $"SchemaVersion is {version.Describe()}; this module reads version {PolicyDocument.CurrentSchemaVersion}.",
                $"Set SchemaVersion = {PolicyDocument.CurrentSchemaVersion} (the format is described in about_PveTokens_AccessPolicy).");
        }

        foreach ((PolicyNode item, string entry) in context.Items(top, "Roles"))
        {
            ParseRole(context, item, entry, document);
        }

        foreach ((PolicyNode item, string entry) in context.Items(top, "Groups"))
        {
            ParseGroup(context, item, entry, document);
        }

        foreach ((PolicyNode item, string entry) in context.Items(top, "Users"))
        {
            ParseUser(context, item, entry, document);
        }

        foreach ((PolicyNode item, string entry) in context.Items(top, "Tokens"))
        {
            ParseToken(context, item, entry, document);
        }

        foreach ((PolicyNode item, string entry) in context.Items(top, "Acl"))
        {
            ParseAcl(context, item, entry, document);
        }

        if (top.TryGetValue("Scope", out PolicyNode? scope))
        {
            document.Scope = ParseScope(context, scope, "Scope") ?? new PolicyScope();
        }

        CheckDuplicates(context, document);
        CheckScope(context, document);
        return errors.Count == before ? document : null;
    }

    /// <summary>Validates a scope given on its own (Export-PveAccessPolicy -Scope).</summary>
    internal static PolicyScope? ParseScope(PolicyNode node, string source, List<PolicyError> errors)
    {
        int before = errors.Count;
        PolicyScope? scope = ParseScope(new Context(source, errors), node, "Scope");
        return errors.Count == before ? scope : null;
    }

    private static void ParseRole(Context c, PolicyNode item, string entry, PolicyDocument document)
    {
        Dictionary<string, PolicyNode> keys = c.Keys(item, RoleKeys, entry);
        string? id = c.RequiredString(keys, "Id", entry, item.Line);
        if (id is null)
        {
            return;
        }

        entry += $" ({id})";
        if (AclPrincipal.CheckRole(id) is string bad)
        {
            c.Error(entry, keys["Id"].Line, bad, "Use letters, digits, '.', '-' and '_'.");
            return;
        }

        if (id.StartsWith("PVE", StringComparison.OrdinalIgnoreCase) || BuiltInRoles.Contains(id))
        {
            c.Error(entry, keys["Id"].Line, $"'{id}' is a built-in role's name (or in PVE's reserved 'PVE' namespace); built-in roles cannot be declared or changed.",
                "Give the custom role another name, or grant the built-in role in Acl without declaring it.");
            return;
        }

        List<string> privileges = c.StringList(keys, "Privileges", entry) ?? new List<string>();
        foreach (string privilege in privileges.Where(p => !PrivilegeRegex.IsMatch(p)))
        {
            c.Error(entry, keys["Privileges"].Line, $"'{privilege}' is not a privilege name.", "Privileges look like 'VM.Audit' or 'Datastore.AllocateSpace'; Get-PveRole Administrator lists them all.");
        }

        document.Roles.Add(new PolicyRole
        {
            Id = id,
            Privileges = privileges.Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal).ToList(),
            Entry = entry,
            Line = item.Line,
        });
    }

    private static void ParseGroup(Context c, PolicyNode item, string entry, PolicyDocument document)
    {
        Dictionary<string, PolicyNode> keys = c.Keys(item, GroupKeys, entry);
        string? id = c.RequiredString(keys, "Id", entry, item.Line);
        if (id is null)
        {
            return;
        }

        entry += $" ({id})";
        if (AclPrincipal.CheckGroupId(id) is string bad)
        {
            c.Error(entry, keys["Id"].Line, bad, "Use letters, digits, '.', '-' and '_'.");
            return;
        }

        document.Groups.Add(new PolicyGroup { Id = id, Comment = c.OptionalString(keys, "Comment", entry), Entry = entry, Line = item.Line });
    }

    private static void ParseUser(Context c, PolicyNode item, string entry, PolicyDocument document)
    {
        Dictionary<string, PolicyNode> keys = c.Keys(item, UserKeys, entry);
        string? id = c.RequiredString(keys, "Id", entry, item.Line);
        if (id is null)
        {
            return;
        }

        entry += $" ({id})";
        if (PveIdentifier.CheckUserId(id, out _, out string realm) is string bad)
        {
            c.Error(entry, keys["Id"].Line, bad, "Write a user id as USER@pve.");
            return;
        }

        if (realm != "pve")
        {
            c.Error(entry, keys["Id"].Line, $"'{id}' is in the realm '{realm}'; a policy declares service accounts of the 'pve' realm only.",
                "Leave users of other realms out of Users: name them in Tokens or Acl, where they must already exist.");
            return;
        }

        var groups = c.StringList(keys, "Groups", entry) ?? new List<string>();
        foreach (string group in groups)
        {
            if (AclPrincipal.CheckGroupId(group) is string badGroup)
            {
                c.Error(entry, keys["Groups"].Line, badGroup, "List group names without '@'.");
            }
        }

        document.Users.Add(new PolicyUser
        {
            Id = id,
            Comment = c.OptionalString(keys, "Comment", entry),
            Enabled = c.OptionalBool(keys, "Enabled", entry) ?? true,
            Expire = c.OptionalDate(keys, "ExpiresAt", entry) ?? 0,
            Groups = groups.Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal).ToList(),
            Entry = entry,
            Line = item.Line,
        });
    }

    private static void ParseToken(Context c, PolicyNode item, string entry, PolicyDocument document)
    {
        Dictionary<string, PolicyNode> keys = c.Keys(item, TokenKeys, entry);
        string? user = c.RequiredString(keys, "User", entry, item.Line);
        string? id = c.RequiredString(keys, "Id", entry, item.Line);
        if (user is null || id is null)
        {
            return;
        }

        entry += $" ({user}!{id})";
        if (PveIdentifier.CheckUserId(user) is string badUser)
        {
            c.Error(entry, keys["User"].Line, badUser, "Write the owner as USER@REALM.");
            return;
        }

        if (PveIdentifier.CheckTokenName(id) is string badId)
        {
            c.Error(entry, keys["Id"].Line, badId, "Id is the token's name after '!' (User holds the USER@REALM part).");
            return;
        }

        int before = c.Count;
        var token = new PolicyToken
        {
            UserId = user,
            TokenId = id,
            Comment = c.OptionalString(keys, "Comment", entry),
            PrivilegeSeparation = c.OptionalBool(keys, "PrivilegeSeparation", entry) ?? true,
            ExpiresAt = c.OptionalDate(keys, "ExpiresAt", entry),
            Lifetime = c.OptionalDuration(keys, "Lifetime", entry),
            RenewBefore = c.OptionalDuration(keys, "RenewBefore", entry),
            Entry = entry,
            Line = item.Line,
        };
        if (c.Count > before)
        {
            // A value already refused: a contradiction drawn from it would only repeat the error.
        }
        else if (token.ExpiresAt is not null && (token.Lifetime is not null || token.RenewBefore is not null))
        {
            c.Error(entry, item.Line, "ExpiresAt contradicts Lifetime/RenewBefore: a token has either a fixed expiry or a rotation policy.",
                "Keep ExpiresAt for a fixed date, or Lifetime and RenewBefore for rotation.");
        }
        else if ((token.Lifetime is null) != (token.RenewBefore is null))
        {
            c.Error(entry, item.Line, "Lifetime and RenewBefore go together: the plan rotates the secret when less than RenewBefore of its Lifetime remains.",
                "Give both, e.g. Lifetime = '90d'; RenewBefore = '14d'.");
        }
        else if (token.Lifetime is long life && token.RenewBefore is long renew && (life <= 0 || renew <= 0 || renew >= life))
        {
            c.Error(entry, item.Line, "RenewBefore must be shorter than Lifetime, and both longer than zero (otherwise every plan would rotate the secret).",
                "For example Lifetime = '90d'; RenewBefore = '14d'.");
        }

        document.Tokens.Add(token);
    }

    private static void ParseAcl(Context c, PolicyNode item, string entry, PolicyDocument document)
    {
        Dictionary<string, PolicyNode> keys = c.Keys(item, AclKeys, entry);
        string? rawPath = c.RequiredString(keys, "Path", entry, item.Line);
        if (rawPath is null)
        {
            return;
        }

        entry += $" ({rawPath})";
        string? path = AclPath.NormalizeAndValidate(rawPath, out string? pathError);
        if (path is null)
        {
            c.Error(entry, keys["Path"].Line, pathError ?? $"'{rawPath}' is not an ACL path.", "Get-Help Set-PveAcl -Parameter Path lists the valid paths.");
            return;
        }

        int before = c.Count;
        List<string>? roles = c.StringList(keys, "Roles", entry);
        List<string>? principals = c.StringList(keys, "Principals", entry);
        if (c.Count > before)
        {
            return;
        }

        if (roles is null || roles.Count == 0)
        {
            c.Error(entry, item.Line, "Roles is missing or empty.", "Name one role or more, e.g. Roles = 'PVEAuditor'.");
            return;
        }

        if (principals is null || principals.Count == 0)
        {
            c.Error(entry, item.Line, "Principals is missing or empty.", "Name users (USER@REALM), groups (@GROUP) or tokens (USER@REALM!TOKEN).");
            return;
        }

        bool propagate = c.OptionalBool(keys, "Propagate", entry) ?? true;
        foreach (string role in roles)
        {
            if (AclPrincipal.CheckRole(role) is string badRole)
            {
                c.Error(entry, keys["Roles"].Line, badRole, "Role ids are case-sensitive; Get-PveRole lists them.");
            }
        }

        foreach (string principal in principals)
        {
            (PveAclPrincipalType type, string id, string? error) = ParsePrincipal(principal);
            if (error is not null)
            {
                c.Error(entry, keys["Principals"].Line, error, "Write users as USER@REALM, groups as @GROUP and tokens as USER@REALM!TOKEN.");
                continue;
            }

            if (AclPrincipal.IsAlmighty(type, id))
            {
                c.Error(entry, keys["Principals"].Line, "root@pam holds every privilege whatever the ACL says; PVE keeps no ACL entry for it.", "Remove root@pam from Principals.");
                continue;
            }

            foreach (string role in roles.Where(r => AclPrincipal.CheckRole(r) is null))
            {
                document.Acl.Add(new PolicyAclEntry(path, type, id, role, propagate, entry, item.Line));
            }
        }
    }

    /// <summary>An ACL principal as a policy writes it: '@group', 'user@realm!token' or 'user@realm'.</summary>
    internal static (PveAclPrincipalType Type, string Id, string? Error) ParsePrincipal(string principal)
    {
        if (principal.StartsWith("@", StringComparison.Ordinal))
        {
            string group = principal.Substring(1);
            return (PveAclPrincipalType.Group, group, AclPrincipal.CheckGroupId(group));
        }

        if (principal.IndexOf('!') >= 0)
        {
            return (PveAclPrincipalType.Token, principal, PveIdentifier.CheckFullTokenId(principal));
        }

        string? error = PveIdentifier.CheckUserId(principal);
        return (PveAclPrincipalType.User, principal, error is null ? null : error + " (a group needs a leading '@')");
    }

    /// <summary>A principal as a policy writes it (the inverse of <see cref="ParsePrincipal"/>).</summary>
    internal static string FormatPrincipal(PveAclPrincipalType type, string id) => type == PveAclPrincipalType.Group ? "@" + id : id;

    private static PolicyScope? ParseScope(Context c, PolicyNode node, string entry)
    {
        if (node.Kind != PolicyNodeKind.Map)
        {
            c.Error(entry, node.Line, $"Scope must be a table, not {node.Describe()}.", "For example Scope = @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; AclPaths = '/vms*' }.");
            return null;
        }

        Dictionary<string, PolicyNode> keys = c.Keys(node, ScopeKeys, entry);
        return new PolicyScope
        {
            Users = c.StringList(keys, "Users", entry),
            Tokens = c.StringList(keys, "Tokens", entry),
            Groups = c.StringList(keys, "Groups", entry),
            Roles = c.StringList(keys, "Roles", entry),
            AclPaths = c.StringList(keys, "AclPaths", entry),
        };
    }

    private static void CheckDuplicates(Context c, PolicyDocument d)
    {
        Duplicates(c, d.Roles, r => r.Id, r => (r.Entry, r.Line), "role");
        Duplicates(c, d.Groups, g => g.Id, g => (g.Entry, g.Line), "group");
        Duplicates(c, d.Users, u => u.Id, u => (u.Entry, u.Line), "user");
        Duplicates(c, d.Tokens, t => t.FullId, t => (t.Entry, t.Line), "token");
        var seen = new Dictionary<string, PolicyAclEntry>(StringComparer.Ordinal);
        foreach (PolicyAclEntry entry in d.Acl)
        {
            string key = $"{entry.Path}\n{entry.Type}\n{entry.Principal}\n{entry.Role}";
            if (!seen.TryGetValue(key, out PolicyAclEntry? first))
            {
                seen[key] = entry;
                continue;
            }

            string who = AclPrincipal.Describe(entry.Type, entry.Principal);
            if (first.Propagate != entry.Propagate)
            {
                c.Error(entry.Entry, entry.Line, $"{who} gets {entry.Role} on {entry.Path} with Propagate {entry.Propagate}, but {first.Entry} (line {first.Line}) says Propagate {first.Propagate}: PVE keeps one flag per entry.",
                    "Keep one of the two.");
            }
            else
            {
                c.Error(entry.Entry, entry.Line, $"{who} gets {entry.Role} on {entry.Path} a second time (first in {first.Entry}, line {first.Line}).", "Remove the duplicate.");
            }
        }
    }

    private static void Duplicates<T>(Context c, IEnumerable<T> items, Func<T, string> id, Func<T, (string Entry, int Line)> where, string kind)
    {
        foreach (IGrouping<string, T> group in items.GroupBy(id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            (string firstEntry, int firstLine) = where(group.First());
            foreach (T duplicate in group.Skip(1))
            {
                (string entry, int line) = where(duplicate);
                c.Error(entry, line, $"The {kind} '{group.Key}' is declared twice (first in {firstEntry}, line {firstLine}).", "Merge the two entries into one.");
            }
        }
    }

    /// <summary>A declared object outside the scope's patterns would be created but never owned: a contradiction.</summary>
    private static void CheckScope(Context c, PolicyDocument d)
    {
        PolicyScope s = d.Scope;
        foreach (PolicyUser user in d.Users.Where(u => s.Users is not null && !PolicyScope.Matches(s.Users, u.Id)))
        {
            c.Error(user.Entry, user.Line, $"'{user.Id}' is declared but outside Scope.Users ({string.Join(", ", s.Users!)}).", "Widen Scope.Users or remove the user.");
        }

        foreach (PolicyGroup group in d.Groups.Where(g => s.Groups is not null && !PolicyScope.Matches(s.Groups, g.Id)))
        {
            c.Error(group.Entry, group.Line, $"'{group.Id}' is declared but outside Scope.Groups ({string.Join(", ", s.Groups!)}).", "Widen Scope.Groups or remove the group.");
        }

        foreach (PolicyRole role in d.Roles.Where(r => s.Roles is not null && !PolicyScope.Matches(s.Roles, r.Id)))
        {
            c.Error(role.Entry, role.Line, $"'{role.Id}' is declared but outside Scope.Roles ({string.Join(", ", s.Roles!)}).", "Widen Scope.Roles or remove the role.");
        }

        foreach (PolicyToken token in d.Tokens.Where(t => s.Tokens is not null && !PolicyScope.Matches(s.Tokens, t.FullId)))
        {
            c.Error(token.Entry, token.Line, $"'{token.FullId}' is declared but outside Scope.Tokens ({string.Join(", ", s.Tokens!)}).", "Widen Scope.Tokens or remove the token.");
        }

        foreach (PolicyAclEntry entry in d.Acl.Where(a => s.AclPaths is not null && !PolicyScope.Matches(s.AclPaths, a.Path)).GroupBy(a => a.Entry).Select(g => g.First()))
        {
            c.Error(entry.Entry, entry.Line, $"The path '{entry.Path}' is declared but outside Scope.AclPaths ({string.Join(", ", s.AclPaths!)}).", "Widen Scope.AclPaths or remove the entry.");
        }
    }

    /// <summary>The file being read and its error list, with the typed readers of keys.</summary>
    private sealed class Context
    {
        private readonly string _source;
        private readonly List<PolicyError> _errors;

        internal Context(string source, List<PolicyError> errors)
        {
            _source = source;
            _errors = errors;
        }

        internal int Count => _errors.Count;

        internal void Error(string entry, int line, string message, string fix) => _errors.Add(new PolicyError(_source, entry, line, message, fix));

        /// <summary>The keys of a table, refusing unknown and repeated ones (compared case-insensitively, as PowerShell does).</summary>
        internal Dictionary<string, PolicyNode> Keys(PolicyNode node, string[] allowed, string entry)
        {
            var result = new Dictionary<string, PolicyNode>(StringComparer.OrdinalIgnoreCase);
            if (node.Kind != PolicyNodeKind.Map)
            {
                Error(entry, node.Line, $"Expected a table (@{{ … }} / {{ … }}), found {node.Describe()}.", "Write each entry as a table of keys.");
                return result;
            }

            foreach (KeyValuePair<string, PolicyNode> pair in node.Entries)
            {
                string? known = allowed.FirstOrDefault(k => string.Equals(k, pair.Key, StringComparison.OrdinalIgnoreCase));
                if (known is null)
                {
                    string? near = allowed.OrderBy(k => Distance(k, pair.Key)).First();
                    near = Distance(near, pair.Key) <= Math.Max(2, near.Length / 3) ? near : null;
                    Error(entry, pair.Value.Line, $"Unknown key '{pair.Key}'.",
                        (near is null ? string.Empty : $"Did you mean '{near}'? ") + $"Allowed here: {string.Join(", ", allowed)}.");
                }
                else if (result.ContainsKey(known))
                {
                    Error(entry, pair.Value.Line, $"The key '{known}' appears twice.", "Keep one.");
                }
                else
                {
                    result[known] = pair.Value;
                }
            }

            return result;
        }

        /// <summary>Edit distance, case-insensitive: how far a typo is from a key.</summary>
        private static int Distance(string a, string b)
        {
            a = a.ToUpperInvariant();
            b = b.ToUpperInvariant();
            var row = Enumerable.Range(0, b.Length + 1).ToArray();
            for (int i = 1; i <= a.Length; i++)
            {
                int previous = row[0];
                row[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int current = row[j];
                    row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                    previous = current;
                }
            }

            return row[b.Length];
        }

        /// <summary>The entries of a list section ("Roles[0]", …); a section may be absent or empty.</summary>
        internal IEnumerable<(PolicyNode Item, string Entry)> Items(Dictionary<string, PolicyNode> top, string section)
        {
            if (!top.TryGetValue(section, out PolicyNode? node) || node.Kind == PolicyNodeKind.Null)
            {
                yield break;
            }

            if (node.Kind == PolicyNodeKind.Map)
            {
                // A one-entry section written without @( ) is still one entry.
                yield return (node, section + "[0]");
                yield break;
            }

            if (node.Kind != PolicyNodeKind.List)
            {
                Error(section, node.Line, $"{section} must be a list of tables, not {node.Describe()}.", $"Write {section} = @( @{{ … }}, @{{ … }} ).");
                yield break;
            }

            for (int i = 0; i < node.Items.Count; i++)
            {
                yield return (node.Items[i], $"{section}[{i}]");
            }
        }

        internal string? RequiredString(Dictionary<string, PolicyNode> keys, string key, string entry, int line)
        {
            if (!keys.TryGetValue(key, out PolicyNode? node))
            {
                Error(entry, line, $"{key} is missing.", $"Add {key} = '…'.");
                return null;
            }

            if (node.Kind != PolicyNodeKind.String || string.IsNullOrWhiteSpace(node.Text))
            {
                Error(entry, node.Line, $"{key} must be a non-empty string, not {node.Describe()}.", $"Write {key} = '…'.");
                return null;
            }

            return node.Text;
        }

        internal string? OptionalString(Dictionary<string, PolicyNode> keys, string key, string entry)
        {
            if (!keys.TryGetValue(key, out PolicyNode? node) || node.Kind == PolicyNodeKind.Null)
            {
                return null;
            }

            if (node.Kind != PolicyNodeKind.String)
            {
                Error(entry, node.Line, $"{key} must be a string, not {node.Describe()}.", $"Quote it: {key} = '…'.");
                return null;
            }

            return node.Text!.Length == 0 ? null : node.Text;
        }

        internal bool? OptionalBool(Dictionary<string, PolicyNode> keys, string key, string entry)
        {
            if (!keys.TryGetValue(key, out PolicyNode? node))
            {
                return null;
            }

            if (node.Kind != PolicyNodeKind.Boolean)
            {
                Error(entry, node.Line, $"{key} must be $true or $false (true or false in JSON), not {node.Describe()}.", $"Write {key} = $true or $false.");
                return null;
            }

            return node.Boolean;
        }

        internal List<string>? StringList(Dictionary<string, PolicyNode> keys, string key, string entry)
        {
            if (!keys.TryGetValue(key, out PolicyNode? node) || node.Kind == PolicyNodeKind.Null)
            {
                return null;
            }

            IEnumerable<PolicyNode> items = node.Kind == PolicyNodeKind.List ? node.Items : new[] { node };
            var result = new List<string>();
            foreach (PolicyNode item in items)
            {
                if (item.Kind != PolicyNodeKind.String || string.IsNullOrWhiteSpace(item.Text))
                {
                    Error(entry, item.Line, $"{key} must hold non-empty strings, not {item.Describe()}.", $"Write {key} = 'a', 'b'.");
                    continue;
                }

                result.Add(item.Text!.Trim());
            }

            return result;
        }

        /// <summary>A point in time: an ISO 8601 string (UTC unless it says otherwise) or epoch seconds.</summary>
        internal long? OptionalDate(Dictionary<string, PolicyNode> keys, string key, string entry)
        {
            if (!keys.TryGetValue(key, out PolicyNode? node) || node.Kind == PolicyNodeKind.Null)
            {
                return null;
            }

            if (node.Kind == PolicyNodeKind.Integer && node.Integer > 0 && node.Integer <= PveEpoch.MaxSeconds)
            {
                return node.Integer;
            }

            if (node.Kind == PolicyNodeKind.String &&
                DateTimeOffset.TryParse(node.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at) &&
                at.UtcDateTime.Year >= 1971)
            {
                return PveEpoch.ToEpoch(at.UtcDateTime);
            }

            Error(entry, node.Line, $"{key} must be a date, not {node.Describe()}.", $"Write {key} = '2027-01-31T00:00:00Z' (ISO 8601; UTC unless an offset is given), or leave it out for never.");
            return null;
        }

        /// <summary>A span: '90d', '12h', '30m', '3600s', a TimeSpan ('90.00:00:00') or seconds.</summary>
        internal long? OptionalDuration(Dictionary<string, PolicyNode> keys, string key, string entry)
        {
            if (!keys.TryGetValue(key, out PolicyNode? node) || node.Kind == PolicyNodeKind.Null)
            {
                return null;
            }

            if (node.Kind == PolicyNodeKind.Integer && node.Integer > 0)
            {
                return node.Integer;
            }

            if (node.Kind == PolicyNodeKind.String)
            {
                Match m = DurationRegex.Match(node.Text!);
                if (m.Success && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n < 100_000_000)
                {
                    return n * char.ToLowerInvariant(m.Groups[2].Value[0]) switch { 'd' => 86400, 'h' => 3600, 'm' => 60, _ => 1 };
                }

                if (TimeSpan.TryParse(node.Text, CultureInfo.InvariantCulture, out TimeSpan span) && span > TimeSpan.Zero)
                {
                    return (long)span.TotalSeconds;
                }
            }

            Error(entry, node.Line, $"{key} must be a duration, not {node.Describe()}.", $"Write {key} = '90d' (d, h, m or s), or a TimeSpan such as '90.00:00:00'.");
            return null;
        }
    }
}
