// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Gives an API token a new secret. In place with PUT …/token/{tokenid} regenerate=1 (token id,
/// settings and ACL entries stay); on a server without `regenerate` it deletes and re-creates the
/// token with the same settings and re-grants its ACL entries, reporting any entry it could not restore.
/// </summary>
[Cmdlet(VerbsCommon.Reset, "PveApiToken", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = ByObjectSet)]
[OutputType(typeof(PveApiTokenSecret))]
public sealed class ResetPveApiTokenCommand : PveApiTokenCmdletBase
{
    /// <summary>Error id: the server cannot regenerate in place and -NoRecreate forbade the fallback.</summary>
    internal const string RegenerateNotSupported = "RegenerateNotSupported";

    /// <summary>Error id: the fallback deleted the token and could not create it again.</summary>
    internal const string TokenRecreateFailed = "TokenRecreateFailed";

    /// <summary>Error id: the fallback re-created the token but could not re-grant some ACL entries.</summary>
    internal const string AclRestoreFailed = "AclRestoreFailed";

    /// <summary>Error id: the fallback would delete the very token the session authenticates with.</summary>
    internal const string CannotRecreateOwnToken = "CannotRecreateOwnToken";

    /// <summary>Error id: the fallback would delete a token whose ACL entries the session cannot all see.</summary>
    internal const string TokenAclNotVisible = "TokenAclNotVisible";

    /// <summary>Gets or sets whether to fail instead of deleting and re-creating the token on a server without in-place regeneration.</summary>
    [Parameter]
    public SwitchParameter NoRecreate { get; set; }

    protected override void ProcessRecordCore(PveSession session)
    {
        if (!TryResolveToken(ref session, out string userId, out string tokenId))
        {
            return;
        }

        if (!ShouldProcess(PveApiTokenCommandSupport.Describe(userId, tokenId, session),
            "Regenerate the API token's secret (every client using the current secret loses access at once)"))
        {
            return;
        }

        try
        {
            PveTokenFields answer = Run(ct => session.Client.UpdateTokenAsync(userId, tokenId, new PveTokenUpdate { Regenerate = true }, ct));
            WriteObject(PveApiTokenCommandSupport.ToSecret(userId, tokenId, answer, null, session));
            if (PveApiTokenCommandSupport.IsSessionToken(session, userId, tokenId))
            {
                WriteWarning($"This session ({session}) authenticated with the old secret of '{userId}!{tokenId}', which no longer works: connect again with the new one (pipe the result into Connect-PveServer).");
            }
        }
        catch (PveApiException e) when (e.StatusCode == 400 && e.Errors.ContainsKey("regenerate"))
        {
            // The server told us itself (400 naming the parameter, nothing changed): no version guessing.
            if (NoRecreate)
            {
                WriteError(PveApiTokenCommandSupport.Record(e, RegenerateNotSupported, ErrorCategory.NotImplemented, userId + "!" + tokenId,
                    $"The server {session.Server} (pve-manager {session.Version}) cannot regenerate a token's secret in place: that needs libpve-access-control 9.1.0 or later (PVE 9.2). Nothing was changed.",
                    "Run Reset-PveApiToken without -NoRecreate to delete and re-create the token with the same settings and ACL entries, or upgrade the server."));
                return;
            }

            if (PveApiTokenCommandSupport.IsSessionToken(session, userId, tokenId))
            {
                // Deleting the token would end this session's authentication before it could create the token again.
                WriteError(PveApiTokenCommandSupport.Record(e, CannotRecreateOwnToken, ErrorCategory.InvalidOperation, userId + "!" + tokenId,
                    $"The server {session.Server} (pve-manager {session.Version}) cannot regenerate in place, and this session authenticates with '{userId}!{tokenId}' itself: deleting it to re-create it would lock the session out half-way. Nothing was changed.",
                    "Run Reset-PveApiToken from a session with another credential (for example Connect-PveServer -Credential)."));
                return;
            }

            Recreate(userId, tokenId, session);
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
        }
    }

    /// <summary>
    /// The fallback for servers before libpve-access-control 9.1.0: read the settings and ACL entries,
    /// delete, create with the same settings, re-grant the entries (<see cref="TokenAclCopier"/>).
    /// Deleting drops the token's ACL entries on the server (api.md §4.5), so every entry not
    /// restored is named in an error.
    /// </summary>
    private void Recreate(string userId, string tokenId, PveSession session)
    {
        string fullId = userId + "!" + tokenId;
        TokenSnapshot current;
        try
        {
            current = Run(ct => TokenAclCopier.ReadAsync(session.Client, userId, tokenId, ct));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
            return;
        }

        if (!current.WholeAclVisible)
        {
            // Deleting drops every entry of the token, also those PVE did not list: they could not be restored.
            string refused =
                $"The server {session.Server} (pve-manager {session.Version}) cannot regenerate in place, and {session.Identity} lacks {TokenAclCopier.SysAudit} on {TokenAclCopier.AccessPath}, " +
                $"so PVE lists only the ACL entries on paths it may modify: deleting '{fullId}' to re-create it could lose entries this session cannot see. Nothing was changed.";
            WriteError(PveApiTokenCommandSupport.Record(new InvalidOperationException(refused), TokenAclNotVisible, ErrorCategory.PermissionDenied, fullId, refused,
                $"Run Reset-PveApiToken from a session that holds {TokenAclCopier.SysAudit} on {TokenAclCopier.AccessPath} (for example the role PVEAuditor there), or upgrade the server."));
            return;
        }

        IReadOnlyList<AclEntry> acl = current.Acl;
        PveTokenSettings settings = current.Settings;
        WriteWarning(
            $"{session.Server} (pve-manager {session.Version}) cannot regenerate a secret in place (that needs libpve-access-control 9.1.0, PVE 9.2): " +
            $"deleting and re-creating '{fullId}' with the same comment, expiry and privilege separation, and re-granting its {acl.Count} ACL entr{(acl.Count == 1 ? "y" : "ies")}. " +
            "The token is missing for a moment.");

        try
        {
            Run(ct => session.Client.DeleteTokenAsync(userId, tokenId, ct));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
            return;
        }

        // The token is gone now: the remaining calls ignore Ctrl+C, so a stop cannot leave it half-restored.
        PveTokenFields created;
        try
        {
            created = Run(_ => session.Client.CreateTokenAsync(userId, tokenId, settings, CancellationToken.None));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            string reason = PveApiTokenCommandSupport.MapError(e, userId, tokenId, session).ErrorDetails?.Message ?? e.Message;
            string message =
                $"'{fullId}' was deleted to give it a new secret, but creating it again failed: {reason} " +
                $"The token and its {acl.Count} ACL entr{(acl.Count == 1 ? "y were" : "ies were")} not restored: {TokenCopyReport.DescribeSettings(settings)}" +
                (acl.Count == 0 ? "." : "; ACL entries: " + TokenCopyReport.DescribeEntries(acl) + ".");
            WriteError(PveApiTokenCommandSupport.Record(new InvalidOperationException(message, e), TokenRecreateFailed,
                ErrorCategory.InvalidOperation, fullId, message,
                $"Create it with New-PveApiToken -UserId {userId} -TokenId {tokenId} and the settings above, then grant the ACL entries listed."));
            return;
        }

        PveApiTokenSecret secret = PveApiTokenCommandSupport.ToSecret(userId, tokenId, created, settings, session);
        var copier = new TokenAclCopier(session.Client, fullId, acl, new List<AclEntry>(), session.Server.Authority, session.Version.ToString(), session.Identity);
        TokenCopyReport.GrantAll(this, copier, session, $"Re-granting the ACL entries of {fullId}", CancellationToken.None);

        // The new secret goes out first: PVE will never show it again, even if some grants failed.
        WriteObject(secret);
        if (copier.Failures.Count > 0)
        {
            string message =
                $"'{fullId}' has a new secret, but {copier.Failures.Count} of its {acl.Count} ACL entries could not be granted again: " +
                TokenCopyReport.DescribeFailures(copier.Failures) + ".";
            WriteError(PveApiTokenCommandSupport.Record(new InvalidOperationException(message), AclRestoreFailed,
                ErrorCategory.InvalidOperation, fullId, message,
                "Grant each listed entry to the token again (PUT /access/acl, or Set-PveAcl) once the cause is fixed."));
        }
    }
}
