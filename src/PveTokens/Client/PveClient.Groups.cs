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

// Group endpoints (api.md §5.5): GET /access/groups lists every group the caller may see with its
// comment and members; POST/PUT/DELETE need Group.Allocate on /access/groups.
internal sealed partial class PveClient
{
    private const string GroupsApiPath = "/access/groups";

    /// <summary><c>GET /access/groups</c>: <c>[{groupid, comment?, users: "u1,u2"}]</c>, sorted here by id.</summary>
    internal async Task<IReadOnlyList<PveGroupFields>> GetGroupsAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, GroupsApiPath, null, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return ParseGroups(data);
    }

    /// <summary>The group ids the caller may see (User.Modify, Sys.Audit or Group.Allocate on the group), for completion.</summary>
    internal async Task<IReadOnlyList<string>> GetGroupIdsAsync(CancellationToken cancellationToken) =>
        (await GetGroupsAsync(cancellationToken).ConfigureAwait(false)).Select(g => g.GroupId).OrderBy(id => id, StringComparer.OrdinalIgnoreCase).ToList();

    internal static IReadOnlyList<PveGroupFields> ParseGroups(JsonElement data)
    {
        var groups = new List<PveGroupFields>();
        foreach (JsonElement item in PveJson.Items(data))
        {
            string? id = PveJson.GetString(item, "groupid");
            if (id is not null)
            {
                groups.Add(new PveGroupFields(id, PveJson.GetString(item, "comment"), PveJson.SplitList(PveJson.GetString(item, "users"))));
            }
        }

        groups.Sort((a, b) => string.CompareOrdinal(a.GroupId, b.GroupId));
        return groups;
    }

    /// <summary><c>POST /access/groups</c>.</summary>
    internal Task CreateGroupAsync(string groupId, string? comment, CancellationToken cancellationToken)
    {
        var form = new PveParameters().Add("groupid", groupId);
        if (!string.IsNullOrEmpty(comment))
        {
            form.Add("comment", comment!);
        }

        return PostAsync<JsonElement>(GroupsApiPath, form, cancellationToken);
    }

    /// <summary><c>PUT /access/groups/{groupid}</c>: sets the comment (an empty one removes it).</summary>
    internal Task UpdateGroupAsync(string groupId, string? comment, CancellationToken cancellationToken) =>
        PutAsync<JsonElement>(GroupsApiPath + "/" + Segment(groupId), new PveParameters().Add("comment", comment ?? string.Empty), cancellationToken);

    /// <summary><c>DELETE /access/groups/{groupid}</c> (PVE drops the memberships and the group's ACL entries).</summary>
    internal Task DeleteGroupAsync(string groupId, CancellationToken cancellationToken) =>
        DeleteAsync<JsonElement>(GroupsApiPath + "/" + Segment(groupId), null, cancellationToken);
}
