// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace PveTokens.Client;

// GET /access/groups (api.md §5.5): the groups the caller may see, for completion.
internal sealed partial class PveClient
{
    /// <summary>The group ids the caller may see (User.Modify, Sys.Audit or Group.Allocate on the group), sorted.</summary>
    internal async Task<IReadOnlyList<string>> GetGroupIdsAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, "/access/groups", null, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return PveJson.Items(data)
            .Select(item => PveJson.GetString(item, "groupid"))
            .Where(id => !string.IsNullOrEmpty(id))
            .Select(id => id!)
            .OrderBy(id => id, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }
}
