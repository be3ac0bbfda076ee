// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>The fields of a user update; null = not sent.</summary>
internal sealed class PolicyUserUpdate
{
    internal string? Comment { get; set; }

    internal bool ClearComment { get; set; }

    internal bool? Enabled { get; set; }

    internal long? Expire { get; set; }

    /// <summary>The whole group list (PVE replaces the memberships with it).</summary>
    internal IReadOnlyList<string>? Groups { get; set; }
}

/// <summary>The fields of a token update or rotation; null = not sent.</summary>
internal sealed class PolicyTokenUpdate
{
    internal string? Comment { get; set; }

    internal bool ClearComment { get; set; }

    internal long? Expire { get; set; }

    internal bool? PrivilegeSeparation { get; set; }
}

/// <summary>One change of a plan: what, on which object, before and after, why, and what the applier needs.</summary>
internal sealed class PolicyChange
{
    internal PolicyChange(PveAccessChangeAction action, PveAccessObjectType type, string id, string? before, string? after, string reason, int stage)
    {
        Action = action;
        ObjectType = type;
        Id = id;
        Before = before;
        After = after;
        Reason = reason;
        Stage = stage;
    }

    internal PveAccessChangeAction Action { get; }

    internal PveAccessObjectType ObjectType { get; }

    /// <summary>The object: role, group or user id, full token id, or "path principal role" for ACL entries.</summary>
    internal string Id { get; }

    internal string? Before { get; }

    internal string? After { get; }

    internal string Reason { get; }

    /// <summary>The apply order: roles, groups, users, tokens, grants; then revocations and removals in reverse.</summary>
    internal int Stage { get; }

    /// <summary>Why this change is never applied (it would remove or cut the rights of the session's own credential), or null.</summary>
    internal string? ProtectedBecause { get; set; }

    /// <summary>Role create/update: the privileges.</summary>
    internal IReadOnlyList<string>? Privileges { get; set; }

    /// <summary>Group create/update: the comment.</summary>
    internal string? Comment { get; set; }

    /// <summary>User create: the declaration.</summary>
    internal PolicyUser? User { get; set; }

    internal PolicyUserUpdate? UserUpdate { get; set; }

    /// <summary>Token create: the declaration; <see cref="Expire"/> holds the expiry to set.</summary>
    internal PolicyToken? Token { get; set; }

    internal PolicyTokenUpdate? TokenUpdate { get; set; }

    /// <summary>Token create: epoch seconds, 0 = never.</summary>
    internal long Expire { get; set; }

    /// <summary>Token rotate: the token's ACL entries now, which a recreate (servers without in-place rotation) must grant again.</summary>
    internal IReadOnlyList<AclEntry> TokenAcl { get; set; } = Array.Empty<AclEntry>();

    /// <summary>Grant/revoke: the entry.</summary>
    internal AclEntry? Acl { get; set; }

    internal string UserIdOfToken => Id.Substring(0, Id.LastIndexOf('!'));

    internal string TokenNameOfToken => Id.Substring(Id.LastIndexOf('!') + 1);

    internal bool IsRemoval => Action is PveAccessChangeAction.Remove or PveAccessChangeAction.Revoke;
}

/// <summary>The plan for one server: the changes in apply order, plan-time errors and how many live objects the policy leaves alone.</summary>
internal sealed class PolicyPlan
{
    internal List<PolicyChange> Changes { get; } = new();

    internal List<PolicyError> Errors { get; } = new();

    /// <summary>Live users, tokens, groups, custom roles and ACL entries outside the policy's scope.</summary>
    internal int Unmanaged { get; set; }
}

/// <summary>
/// Compares a policy with a server's <see cref="AccessSnapshot"/> and lists the changes that make the
/// server match it: only objects the policy owns are changed or removed; changes that would remove or
/// cut the rights of the session's own credential are marked protected; token secrets are rotated
/// when less than RenewBefore of their lifetime remains. Plain computation: the same input, the same plan.
/// </summary>
internal static class PolicyPlanner
{
    internal const int StageRoles = 1, StageGroups = 2, StageUsers = 3, StageTokens = 4, StageGrants = 5,
        StageRevokes = 6, StageRemoveTokens = 7, StageRemoveUsers = 8, StageRemoveGroups = 9, StageRemoveRoles = 10;

    /// <param name="policy">The validated policy.</param>
    /// <param name="live">What the server holds now.</param>
    /// <param name="identity">The session's user or full token id.</param>
    /// <param name="now">The current time in epoch seconds.</param>
    internal static PolicyPlan Plan(PolicyDocument policy, AccessSnapshot live, string identity, long now)
    {
        var plan = new PolicyPlan();
        var users = live.Users.GroupBy(u => u.UserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var groups = live.Groups.ToDictionary(g => g.GroupId, StringComparer.Ordinal);
        var roles = live.Roles.ToDictionary(r => r.RoleId, StringComparer.Ordinal);
        var tokens = new Dictionary<string, (PveUserFields User, PveTokenFields Token)>(StringComparer.Ordinal);
        foreach (PveUserFields user in live.Users)
        {
            foreach (PveTokenFields token in user.Tokens.Where(t => !string.IsNullOrEmpty(t.TokenId)))
            {
                tokens[user.UserId + "!" + token.TokenId] = (user, token);
            }
        }

        var self = new Self(identity, users);
        CheckAgainstServer(policy, plan.Errors, users, groups, roles, tokens);
        if (plan.Errors.Count > 0)
        {
            return plan;
        }

        PlanRoles(policy, plan, roles, live.Acl, self);
        PlanGroups(policy, plan, groups, self);
        PlanUsers(policy, plan, users, self);
        PlanTokens(policy, plan, tokens, live.Acl, self, now);
        PlanAcl(policy, plan, live.Acl, self);

        plan.Unmanaged =
            live.Users.Count(u => !policy.OwnsUser(u.UserId)) +
            tokens.Keys.Count(t => !policy.OwnsToken(t)) +
            live.Groups.Count(g => !policy.OwnsGroup(g.GroupId)) +
            live.Roles.Count(r => !r.Special && !policy.OwnsRole(r.RoleId)) +
            live.Acl.Count(e => !OwnsEntry(policy, e));
        plan.Changes.Sort((a, b) => a.Stage.CompareTo(b.Stage));
        return plan;
    }

    /// <summary>Whether the policy owns a live ACL entry: its path and its principal are both the policy's.</summary>
    internal static bool OwnsEntry(PolicyDocument policy, AclEntry entry) =>
        policy.OwnsAclPath(entry.Path) && policy.OwnsPrincipal(entry.Type, entry.Principal);

    /// <summary>Everything the policy names that it does not declare must exist; declared roles must be custom and their privileges real.</summary>
    private static void CheckAgainstServer(PolicyDocument policy, List<PolicyError> errors, Dictionary<string, PveUserFields> users,
        Dictionary<string, PveGroupFields> groups, Dictionary<string, PveRoleFields> roles, Dictionary<string, (PveUserFields, PveTokenFields)> tokens)
    {
        string source = policy.Source;
        var privileges = new HashSet<string>(roles.Values.SelectMany(r => r.Privileges), StringComparer.Ordinal);
        var declaredUsers = new HashSet<string>(policy.Users.Select(u => u.Id), StringComparer.Ordinal);
        var declaredGroups = new HashSet<string>(policy.Groups.Select(g => g.Id), StringComparer.Ordinal);
        var declaredRoles = new HashSet<string>(policy.Roles.Select(r => r.Id), StringComparer.Ordinal);
        var declaredTokens = new HashSet<string>(policy.Tokens.Select(t => t.FullId), StringComparer.Ordinal);
        foreach (PolicyRole role in policy.Roles)
        {
            if (roles.TryGetValue(role.Id, out PveRoleFields? existing) && existing.Special)
            {
                errors.Add(new PolicyError(source, role.Entry, role.Line, $"'{role.Id}' is a built-in role on this server; it cannot be declared.", "Rename the custom role."));
            }

            foreach (string privilege in role.Privileges.Where(p => !privileges.Contains(p)))
            {
                errors.Add(new PolicyError(source, role.Entry, role.Line, $"The server knows no privilege '{privilege}'.",
                    "Check the spelling (privileges are case-sensitive; Get-PveRole Administrator lists them all); some exist only on newer PVE versions."));
            }
        }

        foreach (PolicyUser user in policy.Users)
        {
            foreach (string group in user.Groups.Where(g => !declaredGroups.Contains(g) && !groups.ContainsKey(g)))
            {
                errors.Add(new PolicyError(source, user.Entry, user.Line, $"The group '{group}' is neither declared in Groups nor on the server.", "Declare it in Groups, or fix the name."));
            }
        }

        foreach (PolicyToken token in policy.Tokens.Where(t => !declaredUsers.Contains(t.UserId) && !users.ContainsKey(t.UserId)))
        {
            errors.Add(new PolicyError(source, token.Entry, token.Line, $"The owner '{token.UserId}' is neither declared in Users nor on the server.",
                "Declare the user (pve realm) or fix the id; users of other realms must already exist."));
        }

        foreach (PolicyAclEntry entry in policy.Acl)
        {
            if (!declaredRoles.Contains(entry.Role) && !roles.ContainsKey(entry.Role))
            {
                errors.Add(new PolicyError(source, entry.Entry, entry.Line, $"The role '{entry.Role}' is neither declared in Roles nor on the server.", "Role ids are case-sensitive; Get-PveRole lists them."));
            }

            bool exists = entry.Type switch
            {
                PveAclPrincipalType.Group => declaredGroups.Contains(entry.Principal) || groups.ContainsKey(entry.Principal),
                PveAclPrincipalType.Token => declaredTokens.Contains(entry.Principal) || tokens.ContainsKey(entry.Principal),
                _ => declaredUsers.Contains(entry.Principal) || users.ContainsKey(entry.Principal),
            };
            if (!exists)
            {
                errors.Add(new PolicyError(source, entry.Entry, entry.Line,
                    $"{AclPrincipal.Describe(entry.Type, entry.Principal)} is neither declared nor on the server.", "Declare it, or fix the id."));
            }
        }

        // One message per problem, not per expanded role × principal.
        var distinct = errors.GroupBy(e => e.ToString()).Select(g => g.First()).ToList();
        errors.Clear();
        errors.AddRange(distinct);
    }

    private static void PlanRoles(PolicyDocument policy, PolicyPlan plan, Dictionary<string, PveRoleFields> roles, IReadOnlyList<AclEntry> acl, Self self)
    {
        foreach (PolicyRole role in policy.Roles)
        {
            string after = Privs(role.Privileges);
            if (!roles.TryGetValue(role.Id, out PveRoleFields? live))
            {
                plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Create, PveAccessObjectType.Role, role.Id, null, after, "missing", StageRoles)
                    { Privileges = role.Privileges });
            }
            else if (!live.Privileges.SequenceEqual(role.Privileges, StringComparer.Ordinal))
            {
                var change = new PolicyChange(PveAccessChangeAction.Update, PveAccessObjectType.Role, role.Id, Privs(live.Privileges), after, Difference(live.Privileges, role.Privileges), StageRoles)
                    { Privileges = role.Privileges };
                if (live.Privileges.Except(role.Privileges, StringComparer.Ordinal).Any() && self.UsesRole(role.Id, acl))
                {
                    change.ProtectedBecause = $"it would take privileges from the role the session's own credential ({self.Identity}) holds";
                }

                plan.Changes.Add(change);
            }
        }

        foreach (PveRoleFields live in roles.Values.Where(r => !r.Special && policy.OwnsRole(r.RoleId) && !policy.Roles.Any(d => d.Id == r.RoleId)))
        {
            plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Remove, PveAccessObjectType.Role, live.RoleId, Privs(live.Privileges), null, "not declared", StageRemoveRoles)
                { ProtectedBecause = self.UsesRole(live.RoleId, acl) ? $"the session's own credential ({self.Identity}) holds this role" : null });
        }
    }

    private static void PlanGroups(PolicyDocument policy, PolicyPlan plan, Dictionary<string, PveGroupFields> groups, Self self)
    {
        var declared = new HashSet<string>(policy.Groups.Select(g => g.Id), StringComparer.Ordinal);
        foreach (PolicyGroup group in policy.Groups)
        {
            if (!groups.TryGetValue(group.Id, out PveGroupFields? live))
            {
                plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Create, PveAccessObjectType.Group, group.Id, null, Comment(group.Comment), "missing", StageGroups)
                    { Comment = group.Comment });
            }
            else if (!SameText(live.Comment, group.Comment))
            {
                plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Update, PveAccessObjectType.Group, group.Id, Comment(live.Comment), Comment(group.Comment), "comment differs", StageGroups)
                    { Comment = group.Comment });
            }
        }

        foreach (PveGroupFields live in groups.Values.Where(g => policy.OwnsGroup(g.GroupId) && !declared.Contains(g.GroupId)))
        {
            plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Remove, PveAccessObjectType.Group, live.GroupId, Comment(live.Comment), null, "not declared", StageRemoveGroups)
                { ProtectedBecause = self.Groups.Contains(live.GroupId) ? $"the session's own user ({self.User}) is a member" : null });
        }
    }

    private static void PlanUsers(PolicyDocument policy, PolicyPlan plan, Dictionary<string, PveUserFields> users, Self self)
    {
        var declared = new HashSet<string>(policy.Users.Select(u => u.Id), StringComparer.Ordinal);
        foreach (PolicyUser user in policy.Users)
        {
            if (!users.TryGetValue(user.Id, out PveUserFields? live))
            {
                plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Create, PveAccessObjectType.User, user.Id, null, DescribeUser(user.Comment, user.Enabled, user.Expire, user.Groups),
                    "missing", StageUsers) { User = user });
                continue;
            }

            // Memberships in groups the policy does not own are the business of whoever owns them: kept as they are.
            var wantedGroups = user.Groups.Concat(live.Groups.Where(g => !policy.OwnsGroup(g)))
                .Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal).ToList();
            var liveGroups = live.Groups.Distinct(StringComparer.Ordinal).OrderBy(g => g, StringComparer.Ordinal).ToList();
            var update = new PolicyUserUpdate();
            var why = new List<string>();
            if (!SameText(live.Comment, user.Comment))
            {
                update.Comment = user.Comment;
                update.ClearComment = string.IsNullOrEmpty(user.Comment);
                why.Add("comment");
            }

            if (live.Enabled != user.Enabled)
            {
                update.Enabled = user.Enabled;
                why.Add(user.Enabled ? "enable" : "disable");
            }

            if (live.Expire != user.Expire)
            {
                update.Expire = user.Expire;
                why.Add("expiry");
            }

            if (!liveGroups.SequenceEqual(wantedGroups, StringComparer.Ordinal))
            {
                update.Groups = wantedGroups;
                why.Add("groups");
            }

            if (why.Count == 0)
            {
                continue;
            }

            var change = new PolicyChange(PveAccessChangeAction.Update, PveAccessObjectType.User, user.Id,
                DescribeUser(live.Comment, live.Enabled, live.Expire, liveGroups), DescribeUser(user.Comment, user.Enabled, user.Expire, wantedGroups),
                string.Join(", ", why) + " differ" + (why.Count == 1 ? "s" : string.Empty), StageUsers) { UserUpdate = update };
            bool cuts = update.Enabled == false || (update.Expire is long e && e != 0) || liveGroups.Except(wantedGroups, StringComparer.Ordinal).Any();
            if (cuts && user.Id == self.User)
            {
                change.ProtectedBecause = $"it would disable, expire or take groups from the session's own user ({self.User})";
            }

            plan.Changes.Add(change);
        }

        foreach (PveUserFields live in users.Values.Where(u => policy.OwnsUser(u.UserId) && !declared.Contains(u.UserId)))
        {
            plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Remove, PveAccessObjectType.User, live.UserId, DescribeUser(live.Comment, live.Enabled, live.Expire, live.Groups), null,
                "not declared", StageRemoveUsers) { ProtectedBecause = live.UserId == self.User ? "the session authenticates as this user or one of its tokens" : null });
        }
    }

    private static void PlanTokens(PolicyDocument policy, PolicyPlan plan, Dictionary<string, (PveUserFields User, PveTokenFields Token)> tokens,
        IReadOnlyList<AclEntry> acl, Self self, long now)
    {
        var declared = new HashSet<string>(policy.Tokens.Select(t => t.FullId), StringComparer.Ordinal);
        var removedUsers = new HashSet<string>(plan.Changes.Where(c => c.Action == PveAccessChangeAction.Remove && c.ObjectType == PveAccessObjectType.User).Select(c => c.Id), StringComparer.Ordinal);
        foreach (PolicyToken token in policy.Tokens)
        {
            if (!tokens.TryGetValue(token.FullId, out var live))
            {
                long expire = token.ExpiresAt ?? (token.Lifetime is long life ? now + life : 0);
                plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Create, PveAccessObjectType.Token, token.FullId, null,
                    DescribeToken(token.Comment, expire, token.PrivilegeSeparation), "missing", StageTokens) { Token = token, Expire = expire });
                continue;
            }

            long liveExpire = live.Token.Expire ?? 0;
            bool livePrivsep = live.Token.PrivilegeSeparation ?? true;
            var update = new PolicyTokenUpdate();
            var why = new List<string>();
            if (!SameText(live.Token.Comment, token.Comment))
            {
                update.Comment = token.Comment;
                update.ClearComment = string.IsNullOrEmpty(token.Comment);
                why.Add("comment differs");
            }

            if (livePrivsep != token.PrivilegeSeparation)
            {
                update.PrivilegeSeparation = token.PrivilegeSeparation;
                why.Add("privilege separation differs");
            }

            bool rotate = false;
            if (token.Lifetime is long lifetime && token.RenewBefore is long renewBefore)
            {
                long remaining = liveExpire - now;
                if (liveExpire == 0 || remaining < renewBefore)
                {
                    rotate = true;
                    update.Expire = now + lifetime;
                    why.Insert(0, liveExpire == 0
                        ? $"never expires, Lifetime is {Span(lifetime)}"
                        : remaining <= 0
                            ? $"expired {Span(-remaining)} ago, RenewBefore is {Span(renewBefore)}"
                            : $"expires in {Span(remaining)}, RenewBefore is {Span(renewBefore)}");
                }
            }
            else if (liveExpire != (token.ExpiresAt ?? 0))
            {
                update.Expire = token.ExpiresAt ?? 0;
                why.Add("expiry differs");
            }

            if (why.Count == 0)
            {
                continue;
            }

            string? before = DescribeToken(live.Token.Comment, liveExpire, livePrivsep);
            string? after = DescribeToken(update.Comment ?? (update.ClearComment ? null : live.Token.Comment), update.Expire ?? liveExpire, update.PrivilegeSeparation ?? livePrivsep);
            var change = new PolicyChange(rotate ? PveAccessChangeAction.Rotate : PveAccessChangeAction.Update, PveAccessObjectType.Token, token.FullId,
                before, after, string.Join("; ", why), StageTokens)
            {
                Token = token,
                TokenUpdate = update,
                TokenAcl = rotate ? acl.Where(e => e.Type == PveAclPrincipalType.Token && e.Principal == token.FullId).ToList() : Array.Empty<AclEntry>(),
            };
            if (token.FullId == self.Token && (rotate || update.Expire is not null || update.PrivilegeSeparation is not null))
            {
                change.ProtectedBecause = "the session authenticates with this token";
            }

            plan.Changes.Add(change);
        }

        foreach (KeyValuePair<string, (PveUserFields User, PveTokenFields Token)> live in tokens.Where(t => policy.OwnsToken(t.Key) && !declared.Contains(t.Key)))
        {
            if (removedUsers.Contains(live.Value.User.UserId))
            {
                continue; // PVE removes a user's tokens with the user.
            }

            plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Remove, PveAccessObjectType.Token, live.Key,
                DescribeToken(live.Value.Token.Comment, live.Value.Token.Expire ?? 0, live.Value.Token.PrivilegeSeparation ?? true), null, "not declared", StageRemoveTokens)
                { ProtectedBecause = live.Key == self.Token ? "the session authenticates with this token" : null });
        }
    }

    private static void PlanAcl(PolicyDocument policy, PolicyPlan plan, IReadOnlyList<AclEntry> acl, Self self)
    {
        var live = new Dictionary<string, AclEntry>(StringComparer.Ordinal);
        foreach (AclEntry entry in acl)
        {
            live[Key(entry.Path, entry.Type, entry.Principal, entry.Role)] = entry;
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (PolicyAclEntry entry in policy.Acl)
        {
            string key = Key(entry.Path, entry.Type, entry.Principal, entry.Role);
            wanted.Add(key);
            live.TryGetValue(key, out AclEntry? current);
            if (current is not null && current.Propagate == entry.Propagate)
            {
                continue;
            }

            var change = new PolicyChange(PveAccessChangeAction.Grant, PveAccessObjectType.Acl, DescribeEntry(entry.Path, entry.Type, entry.Principal, entry.Role),
                current is null ? null : Propagate(current.Propagate), Propagate(entry.Propagate),
                current is null ? "missing" : "propagate differs", StageGrants)
            { Acl = new AclEntry(entry.Path, entry.Type, entry.Principal, entry.Role, entry.Propagate) };
            if (current is not null && current.Propagate && self.IsSelf(entry.Type, entry.Principal))
            {
                change.ProtectedBecause = $"it would stop the role propagating for the session's own credential ({self.Identity})";
            }

            plan.Changes.Add(change);
        }

        var gone = new HashSet<string>(plan.Changes.Where(c => c.Action == PveAccessChangeAction.Remove).Select(c => c.ObjectType + ":" + c.Id), StringComparer.Ordinal);
        foreach (AclEntry entry in acl)
        {
            if (wanted.Contains(Key(entry.Path, entry.Type, entry.Principal, entry.Role)) || !OwnsEntry(policy, entry))
            {
                continue;
            }

            // PVE drops the entries of a removed user, group or token itself.
            string owner = entry.Type switch
            {
                PveAclPrincipalType.Group => "Group:" + entry.Principal,
                PveAclPrincipalType.Token => "Token:" + entry.Principal,
                _ => "User:" + entry.Principal,
            };
            if (gone.Contains(owner) || (entry.Type == PveAclPrincipalType.Token && gone.Contains("User:" + entry.Principal.Substring(0, entry.Principal.LastIndexOf('!')))))
            {
                continue;
            }

            plan.Changes.Add(new PolicyChange(PveAccessChangeAction.Revoke, PveAccessObjectType.Acl, DescribeEntry(entry.Path, entry.Type, entry.Principal, entry.Role),
                Propagate(entry.Propagate), null, "not declared", StageRevokes)
            {
                Acl = entry,
                ProtectedBecause = self.IsSelf(entry.Type, entry.Principal) ? $"it would cut the rights of the session's own credential ({self.Identity})" : null,
            });
        }
    }

    private static string Key(string path, PveAclPrincipalType type, string principal, string role) => $"{path}\n{type}\n{principal}\n{role}";

    /// <summary>How a plan names an ACL entry: "/vms @ops PVEAuditor".</summary>
    internal static string DescribeEntry(string path, PveAclPrincipalType type, string principal, string role) =>
        $"{path} {PolicyParser.FormatPrincipal(type, principal)} {role}";

    private static string Propagate(bool propagate) => propagate ? "propagate" : "no propagate";

    private static string Privs(IReadOnlyList<string> privileges) => privileges.Count == 0 ? "no privileges" : string.Join(",", privileges);

    private static string Difference(IReadOnlyList<string> live, IReadOnlyList<string> wanted)
    {
        var added = wanted.Except(live, StringComparer.Ordinal).ToList();
        var removed = live.Except(wanted, StringComparer.Ordinal).ToList();
        return string.Join("; ", new[]
        {
            added.Count > 0 ? "adds " + string.Join(",", added) : null,
            removed.Count > 0 ? "drops " + string.Join(",", removed) : null,
        }.Where(s => s is not null));
    }

    private static string Comment(string? comment) => string.IsNullOrEmpty(comment) ? "no comment" : $"'{comment}'";

    private static bool SameText(string? a, string? b) => string.Equals(a ?? string.Empty, b ?? string.Empty, StringComparison.Ordinal);

    private static string Expiry(long expire) =>
        expire == 0 ? "never expires" : "expires " + DateTimeOffset.FromUnixTimeSeconds(Math.Min(expire, PveEpoch.MaxSeconds)).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string DescribeUser(string? comment, bool enabled, long expire, IEnumerable<string> groups)
    {
        var list = groups.ToList();
        return $"{Comment(comment)}, {(enabled ? "enabled" : "disabled")}, {Expiry(expire)}, {(list.Count == 0 ? "no groups" : "groups " + string.Join(",", list))}";
    }

    private static string DescribeToken(string? comment, long expire, bool privsep) =>
        $"{Comment(comment)}, {Expiry(expire)}, {(privsep ? "separated" : "not separated")}";

    /// <summary>A span as a plan reason says it: "9 days", "5 hours", "12 minutes".</summary>
    internal static string Span(long seconds)
    {
        (long n, string unit) = seconds >= 86400 ? (seconds / 86400, "day") : seconds >= 3600 ? (seconds / 3600, "hour") : (Math.Max(0, seconds) / 60, "minute");
        return $"{n} {unit}{(n == 1 ? string.Empty : "s")}";
    }

    /// <summary>The session's own credential: its token, its user and that user's groups.</summary>
    private sealed class Self
    {
        internal Self(string identity, Dictionary<string, PveUserFields> users)
        {
            Identity = identity;
            int bang = identity.LastIndexOf('!');
            Token = bang > 0 ? identity : null;
            User = bang > 0 ? identity.Substring(0, bang) : identity;
            Groups = new HashSet<string>(users.TryGetValue(User, out PveUserFields? user) ? user.Groups : new List<string>(), StringComparer.Ordinal);
        }

        internal string Identity { get; }

        internal string? Token { get; }

        internal string User { get; }

        internal HashSet<string> Groups { get; }

        internal bool IsSelf(PveAclPrincipalType type, string principal) => type switch
        {
            PveAclPrincipalType.Token => principal == Token,
            PveAclPrincipalType.Group => Groups.Contains(principal),
            _ => principal == User,
        };

        internal bool UsesRole(string role, IReadOnlyList<AclEntry> acl) => acl.Any(e => e.Role == role && IsSelf(e.Type, e.Principal));
    }
}
