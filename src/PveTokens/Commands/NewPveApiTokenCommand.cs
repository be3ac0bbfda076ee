// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Creates an API token (POST /access/users/{userid}/token/{tokenid}) and returns its one-time
/// secret as a SecureString inside a <see cref="PveApiTokenSecret"/>.
/// </summary>
[Cmdlet(VerbsCommon.New, "PveApiToken", SupportsShouldProcess = true, DefaultParameterSetName = ByObjectSet)]
[OutputType(typeof(PveApiTokenSecret))]
public sealed class NewPveApiTokenCommand : PveApiTokenCmdletBase
{
    private long? _expire;
    private bool _expireGiven;

    /// <summary>Gets or sets the token's comment.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Comment { get; set; }

    /// <summary>Gets or sets when the token expires (local time unless the DateTime says UTC).</summary>
    [Parameter]
    public DateTime ExpiresAt { get; set; }

    /// <summary>Gets or sets how long from now the token lives.</summary>
    [Parameter]
    public TimeSpan ExpiresIn { get; set; }

    /// <summary>Gets or sets privilege separation; on unless set to $false.</summary>
    [Parameter]
    public bool PrivilegeSeparation { get; set; } = true;

    protected override void BeginProcessing()
    {
        // Checked once, before any request: both expiry forms, or one in the past.
        ErrorRecord? invalid = PveApiTokenCommandSupport.ResolveExpiry(
            IsBound(nameof(ExpiresAt)) ? ExpiresAt : null,
            IsBound(nameof(ExpiresIn)) ? ExpiresIn : null,
            noExpiry: false,
            out _expire);
        if (invalid is not null)
        {
            ThrowTerminatingError(invalid);
        }

        _expireGiven = _expire is not null;
    }

    protected override void ProcessRecordCore(PveSession session)
    {
        if (!TryResolveToken(ref session, out string userId, out string tokenId))
        {
            return;
        }

        PveTokenSettings settings = BuildSettings(InputObject, out ErrorRecord? settingsError);
        if (settingsError is not null)
        {
            WriteError(settingsError);
            return;
        }

        if (!ShouldChange(userId, tokenId, session, "Create API token", settings.PrivilegeSeparation == false))
        {
            return;
        }

        try
        {
            PveTokenFields created = Run(ct => session.Client.CreateTokenAsync(userId, tokenId, settings, ct));
            WriteObject(PveApiTokenCommandSupport.ToSecret(userId, tokenId, created, settings, session));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
        }
    }

    /// <summary>What to send: the parameters given, else (for -InputObject) the source token's settings.</summary>
    private PveTokenSettings BuildSettings(PveApiToken? source, out ErrorRecord? error)
    {
        error = null;
        var settings = new PveTokenSettings
        {
            Comment = IsBound(nameof(Comment)) ? NullIfEmpty(Comment) : source?.Comment,
            PrivilegeSeparation = IsBound(nameof(PrivilegeSeparation)) ? PrivilegeSeparation : source?.PrivilegeSeparation ?? true,
        };

        if (_expireGiven)
        {
            // -ExpiresIn counts from each token's creation.
            settings.Expire = IsBound(nameof(ExpiresIn)) ? PveEpoch.Now + (long)Math.Ceiling(ExpiresIn.TotalSeconds) : _expire;
        }
        else if (source is not null && source.ExpireEpoch != 0)
        {
            if (PveEpoch.IsExpired(source.ExpireEpoch, PveEpoch.Now))
            {
                error = ErrorMapper.InvalidArgument(PveApiTokenCommandSupport.ExpiryInPast,
                    $"The token '{source.FullTokenId}' expired at {source.ExpiresAt:yyyy-MM-dd HH:mm:ss}; a copy with that expiry could never be used. Give -ExpiresAt or -ExpiresIn.",
                    source);
                return settings;
            }

            settings.Expire = source.ExpireEpoch;
        }

        return settings;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
