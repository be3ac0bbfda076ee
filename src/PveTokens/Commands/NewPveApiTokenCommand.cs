// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Creates an API token (POST /access/users/{userid}/token/{tokenid}) and returns its one-time
/// secret as a SecureString inside a <see cref="PveApiTokenSecret"/>.
/// </summary>
[Cmdlet(VerbsCommon.New, "PveApiToken", SupportsShouldProcess = true)]
[OutputType(typeof(PveApiTokenSecret))]
public sealed class NewPveApiTokenCommand : PveApiTokenCmdletBase
{
    private long? _expire;
    private bool _expireGiven;

    /// <summary>Gets or sets the owning user, USER@REALM (or, alone, the full token id); with -InputObject, the owner of the copy (the source's when omitted).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [Parameter(ParameterSetName = ByObjectSet)]
    [ArgumentCompleter(typeof(UserIdCompleter))]
    public override string UserId { get; set; } = string.Empty;

    /// <summary>Gets or sets the token's own name, or its full id USER@REALM!TOKENID; with -InputObject, the name of the copy (the source's when omitted).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [Parameter(ParameterSetName = ByObjectSet)]
    [ArgumentCompleter(typeof(TokenIdCompleter))]
    public override string TokenId { get; set; } = string.Empty;

    /// <summary>Gets or sets the token's comment.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Comment { get; set; }

    /// <summary>Gets or sets when the token expires (local time unless the DateTime says UTC).</summary>
    [Parameter]
    [MaskedConversion(typeof(DateTime))]
    public DateTime ExpiresAt { get; set; }

    /// <summary>Gets or sets how long from now the token lives.</summary>
    [Parameter]
    [MaskedConversion(typeof(TimeSpan))]
    public TimeSpan ExpiresIn { get; set; }

    /// <summary>Gets or sets privilege separation; on unless set to $false.</summary>
    [Parameter]
    public bool PrivilegeSeparation { get; set; } = true;

    protected override void Begin()
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

    /// <summary>Gets or sets whether the new token also gets every ACL entry (path, role, propagate) of the piped token.</summary>
    [Parameter]
    public SwitchParameter CopyAcl { get; set; }

    /// <summary>Error id: -CopyAcl without a token to copy from.</summary>
    internal const string CopyAclNeedsSource = "CopyAclNeedsSource";

    /// <summary>Error id: -CopyAcl to a server that lacks roles the source's entries use.</summary>
    internal const string AclCopyRoleMissing = "AclCopyRoleMissing";

    /// <summary>Error id: the copy was created, but some ACL entries could not be granted to it.</summary>
    internal const string AclCopyFailed = "AclCopyFailed";

    protected override void ProcessRecordCore(PveSession session)
    {
        PveApiToken? source = InputObject;
        if (CopyAcl && source is null)
        {
            // -UserId and -TokenId name only the new token: there is no source whose entries could be copied.
            WriteError(ErrorMapper.InvalidArgument(CopyAclNeedsSource,
                "-CopyAcl copies the ACL entries of a token piped into New-PveApiToken (or given with -InputObject); -UserId and -TokenId alone name only the new token.",
                null, "Pipe the token to copy: Get-PveApiToken -UserId <owner> -TokenId <old> | New-PveApiToken -TokenId <new> -CopyAcl"));
            return;
        }

        // Only -CopyAcl reads from the source's server; a copy of the settings alone needs no session to it.
        PveSession? sourceSession = CopyAcl && source is not null ? ResolveSession(source.Session ?? session) : null;
        if (!TryResolveToken(ref session, out string userId, out string tokenId))
        {
            return;
        }

        if (source is not null)
        {
            // A copy: -UserId and -TokenId name the new token; every setting not given comes from the source.
            // A full id in -TokenId names the copy's owner too, so the source's owner only fills a gap.
            string newTokenId = IsBound(nameof(TokenId)) ? TokenId : tokenId;
            string newUserId = IsBound(nameof(UserId)) ? UserId : newTokenId.IndexOf('!') >= 0 ? string.Empty : userId;
            if (PveApiTokenCommandSupport.ResolveIds(newUserId, newTokenId, out userId, out tokenId) is ErrorRecord invalid)
            {
                WriteError(invalid);
                return;
            }
        }

        PveTokenSettings settings = BuildSettings(source, out ErrorRecord? settingsError);
        if (settingsError is not null)
        {
            WriteError(settingsError);
            return;
        }

        TokenAclReading? sourceAcl = null;
        if (sourceSession is not null)
        {
            sourceAcl = ReadSourceAcl(source!, sourceSession, session, userId, tokenId);
            if (sourceAcl is null)
            {
                return;
            }
        }

        string action = sourceAcl is null
            ? "Create API token"
            : $"Create API token with the {sourceAcl.Entries.Count} ACL entr{(sourceAcl.Entries.Count == 1 ? "y" : "ies")} of {source!.FullTokenId}" +
              (sourceAcl.Entries.Count == 0 ? string.Empty : ": " + TokenCopyReport.DescribeEntries(sourceAcl.Entries));
        if (!ShouldChange(userId, tokenId, session, action, settings.PrivilegeSeparation == false))
        {
            return;
        }

        PveApiTokenSecret secret;
        try
        {
            PveTokenFields created = Run(ct => session.Client.CreateTokenAsync(userId, tokenId, settings, ct));
            secret = PveApiTokenCommandSupport.ToSecret(userId, tokenId, created, settings, session);
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, userId, tokenId, session));
            return;
        }

        if (sourceAcl is null)
        {
            WriteObject(secret);
            return;
        }

        string fullId = userId + "!" + tokenId;
        var copier = new TokenAclCopier(session.Client, fullId, sourceAcl.Entries, new List<AclEntry>(), session.Server.Authority, session.Version.ToString(), session.Identity);
        // The token exists now: the grants ignore Ctrl+C, so a stop cannot keep its one-time secret from the caller.
        TokenCopyReport.GrantAll(this, copier, session, $"Granting the ACL entries of {source!.FullTokenId} to {fullId}", CancellationToken.None);

        // The secret goes out before the error: PVE will never show it again, even if some grants failed.
        WriteObject(secret);
        if (copier.Failures.Count > 0)
        {
            string message =
                $"'{fullId}' was created, but {copier.Failures.Count} of the {sourceAcl.Entries.Count} ACL entries of '{source.FullTokenId}' could not be granted to it: " +
                TokenCopyReport.DescribeFailures(copier.Failures) + ".";
            WriteError(PveApiTokenCommandSupport.Record(new InvalidOperationException(message), AclCopyFailed, ErrorCategory.InvalidOperation, fullId, message,
                "Grant each listed entry with Set-PveAcl once the cause is fixed, or remove the new token and copy again."));
        }
    }

    /// <summary>
    /// The source's ACL entries, read on the source's server; null (after an error) when they cannot be
    /// read or name a role the destination lacks. A listing PVE filtered is copied with a warning.
    /// </summary>
    private TokenAclReading? ReadSourceAcl(PveApiToken source, PveSession sourceSession, PveSession destination, string userId, string tokenId)
    {
        TokenAclReading reading;
        IReadOnlyList<string> missingRoles;
        try
        {
            reading = Run(ct => TokenAclCopier.ReadAclAsync(sourceSession.Client, source.FullTokenId, ct));
            missingRoles = ReferenceEquals(sourceSession, destination)
                ? Array.Empty<string>()
                : Run(ct => TokenAclCopier.MissingRolesAsync(destination.Client, reading.Entries, ct));
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(PveApiTokenCommandSupport.MapError(e, source.UserId, source.TokenId, sourceSession));
            return null;
        }

        if (missingRoles.Count > 0)
        {
            var uses = reading.Entries.Where(e => missingRoles.Contains(e.Role, StringComparer.Ordinal)).ToList();
            string message =
                $"Cannot copy the ACL entries of '{source.FullTokenId}' to {destination.Server}: it has no role{(missingRoles.Count == 1 ? string.Empty : "s")} " +
                $"{string.Join(", ", missingRoles.Select(r => "'" + r + "'"))} (used by {TokenCopyReport.DescribeEntries(uses)}). Nothing was created.";
            WriteError(PveApiTokenCommandSupport.Record(new InvalidOperationException(message), AclCopyRoleMissing, ErrorCategory.ObjectNotFound,
                userId + "!" + tokenId, message,
                $"Create the role{(missingRoles.Count == 1 ? string.Empty : "s")} on {destination.Server.Authority} with the same privileges (Get-PveRole on the source shows them), then copy again."));
            return null;
        }

        if (!reading.WholeAclVisible)
        {
            WriteWarning(
                $"{sourceSession.Identity} lacks {TokenAclCopier.SysAudit} on {TokenAclCopier.AccessPath} of {sourceSession.Server}, so PVE listed only the ACL entries on paths it may modify: " +
                $"'{source.FullTokenId}' may have entries that are not copied. Compare Get-PveAcl of both tokens from a session that holds {TokenAclCopier.SysAudit} on {TokenAclCopier.AccessPath}.");
        }

        return reading;
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
