// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// GET /version: needs authentication on PVE, so it also proves a token works.
internal sealed partial class PveClient
{
    internal async Task<PveVersionInfo> GetVersionAsync(CancellationToken cancellationToken) =>
        await GetAsync<PveVersionInfo>("/version", null, cancellationToken).ConfigureAwait(false) ?? new PveVersionInfo();
}

/// <summary>The answer of GET /version.</summary>
internal sealed class PveVersionInfo
{
    /// <summary>pve-manager version, e.g. 9.2.0.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>Release, e.g. 9.2.</summary>
    [JsonPropertyName("release")]
    public string? Release { get; set; }

    [JsonPropertyName("repoid")]
    public string? RepositoryId { get; set; }
}
