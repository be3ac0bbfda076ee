// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>Deletes an API token (DELETE /access/users/{userid}/token/{tokenid}); PVE drops its ACL entries with it.</summary>
[Cmdlet(VerbsCommon.Remove, "PveApiToken", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ByObjectSet)]
public sealed class RemovePveApiTokenCommand : PveSessionCmdletBase
{
    private const string ByIdSet = "ById";
    private const string ByObjectSet = "ByObject";

    /// <summary>Gets or sets the owning user, USER@REALM.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    public string UserId { get; set; } = string.Empty;

    /// <summary>Gets or sets the token's own name (the part after '!').</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    public string TokenId { get; set; } = string.Empty;

    /// <summary>Gets or sets the token to remove (from Get-PveApiToken).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectSet)]
    public PveApiToken? InputObject { get; set; }

    protected override void ProcessRecordCore(PveSession session)
    {
        PveApiToken? source = InputObject;
        string userId = source?.UserId ?? UserId;
        string tokenId = source?.TokenId ?? TokenId;
        ErrorRecord? invalid = PveApiTokenCommandSupport.CheckIds(userId, tokenId);
        if (invalid is not null)
        {
            WriteError(invalid);
            return;
        }

        if (source?.Session is PveSession own && Session is null)
        {
            session = ResolveSession(own);
        }

        if (!ShouldProcess(PveApiTokenCommandSupport.Describe(userId, tokenId, session),
            "Remove API token and, with it, every ACL entry granted to the token"))
        {
            return;
        }

        try
        {
            Run(ct => session.Client.DeleteTokenAsync(userId, tokenId, ct));
            if (PveApiTokenCommandSupport.IsSessionToken(session, userId, tokenId))
            {
                WriteWarning($"This session ({session}) authenticated with the token just removed: its further calls will fail. Connect again with another credential.");
            }
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
        }
    }
}
