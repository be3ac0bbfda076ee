// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Changes an API token's comment, expiry or privilege separation (PUT
/// /access/users/{userid}/token/{tokenid}), sending only the settings the caller named.
/// </summary>
[Cmdlet(VerbsData.Update, "PveApiToken", SupportsShouldProcess = true, DefaultParameterSetName = ByObjectSet)]
[OutputType(typeof(PveApiToken))]
public sealed class UpdatePveApiTokenCommand : PveApiTokenCmdletBase
{
    /// <summary>Error id: the server cannot remove a comment (libpve-access-control before 9.0.4).</summary>
    internal const string CommentClearNotSupported = "CommentClearNotSupported";

    /// <summary>Error id: no setting to change was named.</summary>
    internal const string NothingToUpdate = "NothingToUpdate";

    private long? _expire;

    /// <summary>Gets or sets the new comment; an empty string removes it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Comment { get; set; }

    /// <summary>Gets or sets the new expiry.</summary>
    [Parameter]
    [MaskedConversion(typeof(DateTime))]
    public DateTime ExpiresAt { get; set; }

    /// <summary>Gets or sets the new lifetime, counted from now.</summary>
    [Parameter]
    [MaskedConversion(typeof(TimeSpan))]
    public TimeSpan ExpiresIn { get; set; }

    /// <summary>Gets or sets whether to remove the expiry (the token never expires).</summary>
    [Parameter]
    public SwitchParameter NoExpiry { get; set; }

    /// <summary>Gets or sets privilege separation.</summary>
    [Parameter]
    public bool PrivilegeSeparation { get; set; }

    /// <summary>Gets or sets whether to return the updated token.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        ErrorRecord? invalid = PveApiTokenCommandSupport.ResolveExpiry(
            IsBound(nameof(ExpiresAt)) ? ExpiresAt : null,
            IsBound(nameof(ExpiresIn)) ? ExpiresIn : null,
            NoExpiry.IsPresent,
            out _expire);
        if (invalid is not null)
        {
            ThrowTerminatingError(invalid);
        }

        if (!IsBound(nameof(Comment)) && _expire is null && !IsBound(nameof(PrivilegeSeparation)))
        {
            ThrowTerminatingError(ErrorMapper.InvalidArgument(NothingToUpdate,
                "Name what to change: -Comment, -ExpiresAt, -ExpiresIn, -NoExpiry or -PrivilegeSeparation.", null));
        }
    }

    protected override void ProcessRecordCore(PveSession session)
    {
        if (!TryResolveToken(ref session, out string userId, out string tokenId))
        {
            return;
        }

        PveTokenUpdate update = BuildUpdate(out string changes);
        if (!ShouldChange(userId, tokenId, session, $"Update API token ({changes})", update.PrivilegeSeparation == false))
        {
            return;
        }

        try
        {
            PveTokenFields updated = Run(ct => session.Client.UpdateTokenAsync(userId, tokenId, update, ct));
            if (PassThru)
            {
                // The PUT answer has no owner state; read it so the status is the one Get-PveApiToken shows.
                (bool? enabled, long? expire) = PveApiTokenCommandSupport.ReadOwnerState(this, session, userId);
                WriteObject(PveApiTokenCommandSupport.ToToken(userId, tokenId, updated, session, enabled, expire));
            }
        }
        catch (PveApiException e) when (update.DeleteComment && e.StatusCode == 400 && e.Errors.ContainsKey("delete"))
        {
            WriteError(PveApiTokenCommandSupport.Record(e, CommentClearNotSupported, ErrorCategory.NotImplemented, userId + "!" + tokenId,
                $"The server {session.Server} (pve-manager {session.Version}) cannot remove a token's comment: that needs libpve-access-control 9.0.4 or later (PVE 9.1). Nothing was changed.",
                "Upgrade the server, or replace the comment with another text instead of removing it."));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
        }
    }

    /// <summary>Exactly the fields the caller named; everything else stays as it is on the server.</summary>
    private PveTokenUpdate BuildUpdate(out string changes)
    {
        var update = new PveTokenUpdate();
        var named = new List<string>();
        if (IsBound(nameof(Comment)))
        {
            if (string.IsNullOrEmpty(Comment))
            {
                update.DeleteComment = true;
                named.Add("remove comment");
            }
            else
            {
                update.Comment = Comment;
                named.Add("comment");
            }
        }

        if (_expire is not null)
        {
            // -ExpiresIn counts from this update, not from BeginProcessing.
            update.Expire = IsBound(nameof(ExpiresIn)) ? PveEpoch.Now + (long)Math.Ceiling(ExpiresIn.TotalSeconds) : _expire;
            named.Add(update.Expire == 0 ? "never expires" : "expiry");
        }

        if (IsBound(nameof(PrivilegeSeparation)))
        {
            update.PrivilegeSeparation = PrivilegeSeparation;
            named.Add(PrivilegeSeparation ? "privilege separation on" : "privilege separation off");
        }

        changes = string.Join(", ", named);
        return update;
    }
}
