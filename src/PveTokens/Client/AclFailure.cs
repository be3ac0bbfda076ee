// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Text.RegularExpressions;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>What a failed <c>PUT /access/acl</c> was about, read from PVE's text (api.md §6.2).</summary>
internal enum AclFailureKind
{
    /// <summary>Anything not recognised below: report as PVE said it.</summary>
    Other,

    /// <summary><c>ACL update failed: role 'X' does not exist</c>.</summary>
    RoleNotFound,

    /// <summary><c>user 'u' does not exist</c>, <c>group 'g' does not exist</c>, <c>no such token 't' for user 'u'</c>, <c>no such user ('u')</c>.</summary>
    PrincipalNotFound,

    /// <summary>400 with an error on <c>path</c>: PVE's check_path refused it (e.g. an /sdn path an older server lacks).</summary>
    PathRejected,

    /// <summary>The caller lacks Permissions.Modify and the role is not a (propagated) subset of its own privileges.</summary>
    RoleNotDelegable,
}

/// <summary>A classified ACL update failure: the kind and the role or principal PVE named.</summary>
internal sealed class AclFailure
{
    private static readonly Regex RoleMissing = new(@"role '(?<name>[^']+)' does not exist", RegexOptions.CultureInvariant);
    private static readonly Regex UserMissing = new(@"user '(?<name>[^']+)' does not exist|no such user \('(?<name>[^']+)'\)", RegexOptions.CultureInvariant);
    private static readonly Regex GroupMissing = new(@"group '(?<name>[^']+)' does not exist", RegexOptions.CultureInvariant);
    private static readonly Regex TokenMissing = new(@"no such token '(?<token>[^']+)' for user '(?<user>[^']+)'", RegexOptions.CultureInvariant);
    private static readonly Regex NotDelegable = new(@"Cannot (?:add|remove) role '(?<name>[^']+)'", RegexOptions.CultureInvariant);

    private AclFailure(AclFailureKind kind, string? name = null, PveAclPrincipalType? principalType = null)
    {
        Kind = kind;
        Name = name;
        PrincipalType = principalType;
    }

    internal AclFailureKind Kind { get; }

    /// <summary>The role (RoleNotFound, RoleNotDelegable) or principal (PrincipalNotFound) PVE named, when it did.</summary>
    internal string? Name { get; }

    /// <summary>For PrincipalNotFound: the kind of principal.</summary>
    internal PveAclPrincipalType? PrincipalType { get; }

    internal static AclFailure Classify(PveApiException e)
    {
        if (e.StatusCode == 400 && e.Errors.ContainsKey("path"))
        {
            return new AclFailure(AclFailureKind.PathRejected);
        }

        if (e.StatusCode != 500)
        {
            return new AclFailure(AclFailureKind.Other);
        }

        string text = e.PveMessage;
        Match m;
        if ((m = TokenMissing.Match(text)).Success)
        {
            return new AclFailure(AclFailureKind.PrincipalNotFound, m.Groups["user"].Value + "!" + m.Groups["token"].Value, PveAclPrincipalType.Token);
        }

        if ((m = RoleMissing.Match(text)).Success)
        {
            return new AclFailure(AclFailureKind.RoleNotFound, m.Groups["name"].Value);
        }

        if ((m = GroupMissing.Match(text)).Success)
        {
            return new AclFailure(AclFailureKind.PrincipalNotFound, m.Groups["name"].Value, PveAclPrincipalType.Group);
        }

        if ((m = UserMissing.Match(text)).Success)
        {
            // "no such user ('u')" while adding a token means the token's owner is missing.
            return new AclFailure(AclFailureKind.PrincipalNotFound, m.Groups["name"].Value, PveAclPrincipalType.User);
        }

        if ((m = NotDelegable.Match(text)).Success)
        {
            return new AclFailure(AclFailureKind.RoleNotDelegable, m.Groups["name"].Value);
        }

        // Before libpve-http-server 5.2.0 only the first line reaches the client: the role is unknown.
        if (text.IndexOf("ACL update failed: 400 Parameter verification failed", StringComparison.Ordinal) >= 0)
        {
            return new AclFailure(AclFailureKind.RoleNotDelegable);
        }

        return new AclFailure(AclFailureKind.Other);
    }
}
