// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// GET /access/permissions (api.md §8): the effective privileges PVE computes for a user or token.
internal sealed partial class PveClient
{
    /// <summary>
    /// <c>GET /access/permissions</c>. <paramref name="userId"/> (a user id or full token id) is sent
    /// whenever it is given: without it PVE answers for the caller. <paramref name="path"/> limits
    /// the answer to that one path (which may then have no privileges at all).
    /// </summary>
    internal async Task<PermissionMap> GetPermissionsAsync(string? userId, string? path, CancellationToken cancellationToken)
    {
        var query = new PveParameters();
        if (!string.IsNullOrEmpty(userId))
        {
            query.Add("userid", userId!);
        }

        if (!string.IsNullOrEmpty(path))
        {
            query.Add("path", path!);
        }

        JsonElement data = await SendAsync(HttpMethod.Get, "/access/permissions", query.Count == 0 ? null : query, ReadDataElementAsync, cancellationToken)
            .ConfigureAwait(false);
        return ParsePermissions(data);
    }

    /// <summary>Reads <c>{"&lt;path&gt;": {"&lt;privilege&gt;": 0|1}}</c>.</summary>
    internal static PermissionMap ParsePermissions(JsonElement data)
    {
        var paths = new Dictionary<string, IReadOnlyDictionary<string, bool>>(System.StringComparer.Ordinal);
        if (data.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty path in data.EnumerateObject())
            {
                var privileges = new Dictionary<string, bool>(System.StringComparer.Ordinal);
                if (path.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty privilege in path.Value.EnumerateObject())
                    {
                        privileges[privilege.Name] = PveJson.GetBoolean(privilege.Value) ?? false;
                    }
                }

                paths[path.Name] = privileges;
            }
        }

        return new PermissionMap(paths);
    }
}
