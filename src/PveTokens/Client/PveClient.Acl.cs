// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

// ACL endpoints (api.md §6): GET /access/acl lists the entries the caller may see; PUT /access/acl
// adds (or with delete=1 removes) roles × principals on one path.
internal sealed partial class PveClient
{
    private const string AclApiPath = "/access/acl";

    /// <summary>
    /// <c>GET /access/acl</c>: every entry the caller may see (all of them with Sys.Audit on
    /// /access, else those on paths it may modify), in PVE's tree order.
    /// </summary>
    internal async Task<IReadOnlyList<AclEntry>> GetAclAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, AclApiPath, null, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return ParseAcl(data);
    }

    /// <summary>
    /// <c>PUT /access/acl</c>: grants (or with <paramref name="delete"/> revokes) every role in
    /// <paramref name="roles"/> to every principal given, on <paramref name="path"/>. PVE applies the
    /// whole request or nothing. <paramref name="propagate"/> is always sent, so false really sets
    /// propagate=0 (PVE's default is 1); it is ignored by PVE when deleting.
    /// </summary>
    /// <param name="path">The ACL path (PVE normalises it; check it first with <see cref="AclPath"/>).</param>
    /// <param name="roles">Role ids; at least one.</param>
    /// <param name="users">User ids (<c>USER@REALM</c>), or null.</param>
    /// <param name="groups">Group names, or null.</param>
    /// <param name="tokens">Full token ids (<c>USER@REALM!TOKENID</c>), or null.</param>
    /// <param name="propagate">Whether the roles apply below the path too.</param>
    /// <param name="delete">Remove the roles instead of adding them.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal async Task UpdateAclAsync(string path, IEnumerable<string> roles, IEnumerable<string>? users, IEnumerable<string>? groups,
        IEnumerable<string>? tokens, bool propagate, bool delete, CancellationToken cancellationToken)
    {
        var parameters = BuildAclUpdate(path, roles, users, groups, tokens, propagate, delete);
        try
        {
            await PutAsync<JsonElement>(AclApiPath, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (PveWriteOutcomeException unknown) when (unknown.Outcome == PveWriteOutcome.Unknown)
        {
            // PVE applies an ACL update whole or not at all: read back whether every entry is (or is no longer) there.
            var wanted = new List<(PveAclPrincipalType Type, string Principal)>();
            wanted.AddRange((users ?? Array.Empty<string>()).Select(u => (PveAclPrincipalType.User, u)));
            wanted.AddRange((groups ?? Array.Empty<string>()).Select(g => (PveAclPrincipalType.Group, g)));
            wanted.AddRange((tokens ?? Array.Empty<string>()).Select(t => (PveAclPrincipalType.Token, t)));
            string normalized = AclPath.Normalize(path, out _) ?? path;
            List<string> roleList = roles.ToList();
            await VerifyWriteAsync(unknown, async ct =>
            {
                IReadOnlyList<AclEntry> acl = await GetAclAsync(ct).ConfigureAwait(false);
                return wanted.All(w => roleList.All(role =>
                {
                    bool present = acl.Any(e => e.SameGrant(normalized, w.Type, w.Principal, role) && (delete || e.Propagate == propagate));
                    return delete ? !acl.Any(e => e.SameGrant(normalized, w.Type, w.Principal, role)) : present;
                }));
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The form of a <c>PUT /access/acl</c>; separate so tests can check exactly what is sent.</summary>
    internal static PveParameters BuildAclUpdate(string path, IEnumerable<string> roles, IEnumerable<string>? users, IEnumerable<string>? groups,
        IEnumerable<string>? tokens, bool propagate, bool delete)
    {
        string roleList = string.Join(",", roles);
        if (roleList.Length == 0)
        {
            throw new ArgumentException("At least one role is required.", nameof(roles));
        }

        var parameters = new PveParameters().Add("path", path).Add("roles", roleList);
        int principals = 0;
        foreach ((string name, IEnumerable<string>? ids) in new[] { ("users", users), ("groups", groups), ("tokens", tokens) })
        {
            string list = ids is null ? string.Empty : string.Join(",", ids);
            if (list.Length > 0)
            {
                parameters.Add(name, list);
                principals++;
            }
        }

        if (principals == 0)
        {
            throw new ArgumentException("At least one user, group or token is required.");
        }

        if (delete)
        {
            parameters.Add("delete", true);
        }
        else
        {
            parameters.Add("propagate", propagate);
        }

        return parameters;
    }

    /// <summary>Reads the <c>data</c> array of <c>GET /access/acl</c>, skipping entries of unknown types.</summary>
    internal static IReadOnlyList<AclEntry> ParseAcl(JsonElement data)
    {
        var entries = new List<AclEntry>();
        foreach (JsonElement item in PveJson.Items(data))
        {
            string? path = PveJson.GetString(item, "path");
            string? ugid = PveJson.GetString(item, "ugid");
            string? role = PveJson.GetString(item, "roleid");
            bool propagate = PveJson.GetBoolean(item, "propagate", whenAbsent: true);
            PveAclPrincipalType? kind = PveJson.GetString(item, "type") switch
            {
                "user" => PveAclPrincipalType.User,
                "group" => PveAclPrincipalType.Group,
                "token" => PveAclPrincipalType.Token,
                _ => null,
            };
            if (path is null || ugid is null || role is null || kind is null)
            {
                continue;
            }

            entries.Add(new AclEntry(path, kind.Value, ugid, role, propagate));
        }

        return entries;
    }
}
