// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>Deletes an API token (DELETE /access/users/{userid}/token/{tokenid}); PVE drops its ACL entries with it.</summary>
[Cmdlet(VerbsCommon.Remove, "PveApiToken", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ByObjectSet)]
public sealed class RemovePveApiTokenCommand : PveApiTokenCmdletBase
{
    protected override void ProcessRecordCore(PveSession session)
    {
        if (!TryResolveToken(ref session, out string userId, out string tokenId))
        {
            return;
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
