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

// GET /access/roles (api.md §5.4): every role with its privileges, in one call.
internal sealed partial class PveClient
{
    internal async Task<IReadOnlyList<PveRoleFields>> GetRolesAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, "/access/roles", null, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return ParseRoles(data);
    }

    /// <summary>Reads <c>[{roleid, privs: "a,b", special: 0|1}]</c> (PVE's hash order: sorted here by role id).</summary>
    internal static IReadOnlyList<PveRoleFields> ParseRoles(JsonElement data)
    {
        var roles = new List<PveRoleFields>();
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
            roles.Add(new PveRoleFields(id, list, special));
        }

        return roles.OrderBy(x => x.RoleId, StringComparer.OrdinalIgnoreCase).ToList();
    }
}
