// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using PveTokens.Models;

namespace PveTokens.Access;

/// <summary>One path and privilege of a token compared with its owner; flags are null where a side lacks it.</summary>
internal readonly struct PermissionDifference
{
    internal PermissionDifference(string path, string privilege, bool? token, bool? owner)
    {
        Path = path;
        Privilege = privilege;
        TokenPropagate = token;
        OwnerPropagate = owner;
    }

    internal string Path { get; }

    internal string Privilege { get; }

    internal bool? TokenPropagate { get; }

    internal bool? OwnerPropagate { get; }

    internal PvePermissionState State => (TokenPropagate, OwnerPropagate) switch
    {
        (not null, not null) => PvePermissionState.Both,
        (null, _) => PvePermissionState.OwnerOnly,
        _ => PvePermissionState.TokenOnly,
    };
}

/// <summary>Flattens and compares the maps <c>GET /access/permissions</c> returns (path → privilege → propagate).</summary>
internal static class PermissionComparer
{
    /// <summary>The (path, privilege, propagate) triples of a map, sorted by path and privilege.</summary>
    internal static IEnumerable<(string Path, string Privilege, bool Propagate)> Flatten(PermissionMap map) =>
        map.Paths
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => p.Value
                .OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => (p.Key, v.Key, v.Value)));

    /// <summary>Every path and privilege either side holds, sorted, with each side's propagate flag.</summary>
    internal static IReadOnlyList<PermissionDifference> Compare(PermissionMap token, PermissionMap owner)
    {
        var rows = new List<PermissionDifference>();
        IEnumerable<string> paths = token.Paths.Keys.Union(owner.Paths.Keys, StringComparer.Ordinal)
            .OrderBy(p => p, StringComparer.Ordinal);
        foreach (string path in paths)
        {
            IReadOnlyDictionary<string, bool> t = token.Get(path);
            IReadOnlyDictionary<string, bool> o = owner.Get(path);
            foreach (string privilege in t.Keys.Union(o.Keys, StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal))
            {
                rows.Add(new PermissionDifference(path, privilege,
                    t.TryGetValue(privilege, out bool tp) ? tp : null,
                    o.TryGetValue(privilege, out bool op) ? op : null));
            }
        }

        return rows;
    }
}

/// <summary>The answer of <c>GET /access/permissions</c>: path → privilege → propagate flag.</summary>
internal sealed class PermissionMap
{
    private static readonly IReadOnlyDictionary<string, bool> None = new Dictionary<string, bool>();

    internal PermissionMap(IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool>> paths) => Paths = paths;

    internal IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool>> Paths { get; }

    internal IReadOnlyDictionary<string, bool> Get(string path) =>
        Paths.TryGetValue(path, out IReadOnlyDictionary<string, bool>? privileges) ? privileges : None;
}
