// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace PveTokens.Client;

// Role writes (api.md §5.4): need Sys.Modify on /access; built-in roles are refused by PVE.
internal sealed partial class PveClient
{
    private const string RolesApiPath = "/access/roles";

    /// <summary><c>POST /access/roles</c>.</summary>
    internal Task CreateRoleAsync(string roleId, IReadOnlyList<string> privileges, CancellationToken cancellationToken)
    {
        var form = new PveParameters().Add("roleid", roleId);
        if (privileges.Count > 0)
        {
            form.Add("privs", string.Join(",", privileges));
        }

        return PostAsync<JsonElement>(RolesApiPath, form, cancellationToken);
    }

    /// <summary><c>PUT /access/roles/{roleid}</c> without append: the privileges are replaced by <paramref name="privileges"/>.</summary>
    internal Task UpdateRoleAsync(string roleId, IReadOnlyList<string> privileges, CancellationToken cancellationToken)
    {
        var form = new PveParameters();
        if (privileges.Count > 0)
        {
            form.Add("privs", string.Join(",", privileges));
        }

        return PutAsync<JsonElement>(RolesApiPath + "/" + Segment(roleId), form, cancellationToken);
    }

    /// <summary><c>DELETE /access/roles/{roleid}</c>.</summary>
    internal Task DeleteRoleAsync(string roleId, CancellationToken cancellationToken) =>
        DeleteAsync<JsonElement>(RolesApiPath + "/" + Segment(roleId), null, cancellationToken);
}
