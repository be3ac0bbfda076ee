// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Net.Http;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// GET /version: needs authentication on PVE, so it also proves a token works. The last answer is
// kept: the version decides which features the server has, and is read again after each ticket
// renewal (a server upgraded under a long-lived session is noticed there).
internal sealed partial class PveClient
{
    private volatile PveVersionInfo? _serverVersion;

    /// <summary>The server's version as last read; null before the first GET /version.</summary>
    internal PveVersionInfo? ServerVersion => _serverVersion;

    internal Task<PveVersionInfo> GetVersionAsync(CancellationToken cancellationToken) => ReadVersionAsync(renewTicket: true, cancellationToken);

    /// <summary>GET /version, remembered as the server's version; <paramref name="renewTicket"/> false right after a renewal.</summary>
    private async Task<PveVersionInfo> ReadVersionAsync(bool renewTicket, CancellationToken cancellationToken)
    {
        PveVersionInfo version = await SendCoreAsync(HttpMethod.Get, "/version", null, ReadDataAsync<PveVersionInfo>, authenticate: true, cancellationToken, renewTicket)
            .ConfigureAwait(false) ?? new PveVersionInfo();
        PveVersionInfo? previous = _serverVersion;
        _serverVersion = version;
        if (previous is not null && !string.Equals(previous.Version, version.Version, System.StringComparison.Ordinal))
        {
            Notify(new ClientNotice(ClientNoticeLevel.Verbose,
                $"{_options.Server.Authority} now runs pve-manager {version.Version} (it ran {previous.Version}); features are decided by the new version."));
        }

        return version;
    }
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
