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

namespace PveTokens.Client;

/// <summary>One role of <c>GET /access/roles</c>.</summary>
internal sealed class RoleInfo
{
    internal RoleInfo(string roleId, IReadOnlyList<string> privileges, bool special)
    {
        RoleId = roleId;
        Privileges = privileges;
        Special = special;
    }

    internal string RoleId { get; }

    /// <summary>Sorted privilege names (empty for NoAccess).</summary>
    internal IReadOnlyList<string> Privileges { get; }

    /// <summary>PVE's <c>special</c>: a built-in role that cannot be changed.</summary>
    internal bool Special { get; }
}

// GET /access/roles (api.md §5.4): every role with its privileges, in one call.
internal sealed partial class PveClient
{
    internal async Task<IReadOnlyList<RoleInfo>> GetRolesAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, "/access/roles", null, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return ParseRoles(data);
    }

    /// <summary>Reads <c>[{roleid, privs: "a,b", special: 0|1}]</c> (PVE's hash order: sorted here by role id).</summary>
    internal static IReadOnlyList<RoleInfo> ParseRoles(JsonElement data)
    {
        var roles = new List<RoleInfo>();
        foreach (JsonElement item in PveJson.Items(data))
        {
            string? id = PveJson.GetString(item, "roleid");
            if (id is null)
            {
                continue;
            }

            bool special = PveJson.GetBoolean(item, "special", whenAbsent: false);
            string[] list = PveJson.SplitList(PveJson.GetString(item, "privs"))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(x => x, StringComparer.Ordinal)
                .ToArray();
            roles.Add(new RoleInfo(id, list, special));
        }

        return roles.OrderBy(x => x.RoleId, StringComparer.OrdinalIgnoreCase).ToList();
    }
}
