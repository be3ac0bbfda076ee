// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Completion;

/// <summary>Completes -UserId with the users the session's server lists.</summary>
internal sealed class UserIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompleterGuard.Run(fakeBoundParameters, session => CompletionText.Complete(
            CompletionSource.Users(session).Select(u => new CompletionCandidate(u.UserId,
                $"{u.UserId}{(u.Enabled ? string.Empty : " (disabled)")}, {u.Tokens.Count} token(s)")),
            wordToComplete));
}

/// <summary>
/// Completes -TokenId: full token ids (USER@REALM!TOKENID), or, when -UserId is on the command line
/// (as with the token cmdlets), the names of those users' tokens. For Remove-PveAcl -Path P: only the
/// tokens that have an entry on P.
/// </summary>
internal sealed class TokenIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompleterGuard.Run(fakeBoundParameters, session =>
        {
            if (GroupIdCompleter.Removable(commandName, fakeBoundParameters, session, PveAclPrincipalType.Token) is { } removable)
            {
                return CompletionText.Complete(removable, wordToComplete);
            }

            IReadOnlyList<PveUserFields> users = CompletionSource.Users(session);
            IReadOnlyList<string> owners = CompletionSource.BoundStrings(fakeBoundParameters, "UserId");
            if (owners.Count > 0 && (wordToComplete ?? string.Empty).IndexOf('!') < 0)
            {
                var patterns = owners.Select(o => WildcardPattern.Get(o, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
                return CompletionText.Complete(
                    users.Where(u => patterns.Any(p => p.IsMatch(u.UserId)))
                        .SelectMany(u => u.TokenNames().Select(t => new CompletionCandidate(t, $"{u.UserId}!{t}"))),
                    wordToComplete);
            }

            return CompletionText.Complete(
                users.SelectMany(u => u.TokenNames().Select(t => new CompletionCandidate($"{u.UserId}!{t}"))),
                wordToComplete);
        });
}

/// <summary>Completes -Role (and Get-PveRole -Name) with the server's roles; the tooltip lists their privileges.</summary>
internal sealed class RoleCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompleterGuard.Run(fakeBoundParameters, session => CompletionText.Complete(
            CompletionSource.Roles(session).Select(r => new CompletionCandidate(r.RoleId,
                r.Privileges.Count == 0 ? $"{r.RoleId}: no privileges" : $"{r.RoleId}: {string.Join(", ", r.Privileges)}")),
            wordToComplete));
}

/// <summary>Completes -Privilege with the privileges the server's roles hold (Administrator holds them all); the tooltip names the roles.</summary>
internal sealed class PrivilegeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompleterGuard.Run(fakeBoundParameters, session =>
        {
            IReadOnlyList<PveRoleFields> roles = CompletionSource.Roles(session);
            return CompletionText.Complete(
                roles.SelectMany(r => r.Privileges).Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal)
                    .Select(p => new CompletionCandidate(p, $"{p}: in {string.Join(", ", roles.Where(r => r.Privileges.Contains(p)).Select(r => r.RoleId).Take(6))}")),
                wordToComplete);
        });
}

/// <summary>Completes -GroupId with the groups the session's server lists.</summary>
internal sealed class GroupIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompleterGuard.Run(fakeBoundParameters, session => CompletionText.Complete(
            Removable(commandName, fakeBoundParameters, session, PveAclPrincipalType.Group)
                ?? CompletionSource.Groups(session).Select(g => new CompletionCandidate(g)),
            wordToComplete));

    /// <summary>
    /// For Remove-PveAcl with -Path on the command line: only the principals of that type that have an
    /// entry on the path, since revoking anything else does nothing. Null for every other command.
    /// </summary>
    internal static IEnumerable<CompletionCandidate>? Removable(string commandName, IDictionary fakeBoundParameters, PveSession session, PveAclPrincipalType type)
    {
        if (!string.Equals(commandName, "Remove-PveAcl", StringComparison.OrdinalIgnoreCase) ||
            CompletionSource.BoundStrings(fakeBoundParameters, "Path") is not { Count: 1 } bound ||
            AclPath.Normalize(bound[0], out _) is not string path)
        {
            return null;
        }

        return CompletionSource.Acl(session)
            .Where(e => e.Type == type && e.Path == path)
            .GroupBy(e => e.Principal, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CompletionCandidate(g.Key, $"{g.Key}: {string.Join(", ", g.Select(e => e.Role))} on {path}"))
            .ToList();
    }
}

/// <summary>Completes -Realm with the realms (authentication domains) of the session's server.</summary>
internal sealed class RealmCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompleterGuard.Run(fakeBoundParameters, session => CompletionText.Complete(
            CompletionSource.Realms(session).Select(r => new CompletionCandidate(r.Realm, $"{r.Realm} ({r.Type}){(string.IsNullOrEmpty(r.Comment) ? string.Empty : ": " + r.Comment)}")),
            wordToComplete));
}

/// <summary>Completes -Path with PVE's fixed ACL roots and every path the session's ACL holds.</summary>
internal sealed class AclPathCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<CompletionCandidate> roots = AclPath.Roots.Select(r => new CompletionCandidate(r, r + " (ACL root)"));
        IEnumerable<CompletionCandidate> fromAcl = CompleterGuard.Fetch(fakeBoundParameters,
            session => CompletionSource.Acl(session).Select(e => e.Path).Distinct(StringComparer.Ordinal)
                .Select(p => new CompletionCandidate(p, p + " (has ACL entries)")).ToList());
        // Roots first so their tooltip wins when the ACL holds the same path.
        return CompletionText.Complete(roots.Concat(fromAcl), wordToComplete);
    }
}

/// <summary>Runs a completer body so that no session, or any failure, yields nothing rather than an error.</summary>
internal static class CompleterGuard
{
    internal static IEnumerable<CompletionResult> Run(IDictionary? fakeBoundParameters, Func<PveSession, IEnumerable<CompletionResult>> complete) =>
        Fetch(fakeBoundParameters, s => complete(s).ToList());

    internal static IEnumerable<T> Fetch<T>(IDictionary? fakeBoundParameters, Func<PveSession, List<T>> fetch)
    {
        try
        {
            PveSession? session = CompletionSource.SessionFor(fakeBoundParameters);
            return session is null ? Array.Empty<T>() : fetch(session);
        }
        catch (Exception)
        {
            return Array.Empty<T>();
        }
    }
}
