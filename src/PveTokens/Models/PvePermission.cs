// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>One effective privilege of a user or API token on one path, as PVE computes it.</summary>
public sealed class PvePermission
{
    /// <summary>The user id or full token id the permission belongs to.</summary>
    public string Principal { get; set; } = string.Empty;

    /// <summary>The path, as PVE reports it.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The privilege, e.g. <c>VM.Audit</c>.</summary>
    public string Privilege { get; set; } = string.Empty;

    /// <summary>Whether the privilege also holds below <see cref="Path"/>.</summary>
    public bool Propagate { get; set; }

    /// <summary>The session (server) that computed the permission.</summary>
    public PveSession? Session { get; set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path} {Privilege}{(Propagate ? " (propagated)" : string.Empty)}";
}
