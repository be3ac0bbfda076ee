// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The base of every cmdlet that talks to a server: adds -Session (bound by property name, so objects
/// that carry their session route a pipeline to the right server, and by value, so
/// <c>Get-PveSession | Get-PveApiToken</c> runs once per session), resolves it per input record
/// (explicit, else the runspace's default, else the NoSession error) and hands it to
/// <see cref="ProcessRecordCore"/>. A client failure that escapes ProcessRecordCore becomes a
/// non-terminating error of that record; catch it yourself for a different target or to go on with
/// the next item of an array parameter.
/// </summary>
public abstract class PveSessionCmdletBase : PveCmdletBase
{
    /// <summary>
    /// Gets or sets the session to use; the default session when omitted or null. Null is accepted
    /// because the parameter binds by property name: an input object whose Session is $null (a token
    /// object made by hand, a [pscustomobject] with that column) carries no session, just like one
    /// without the property, and must fall back to the default rather than fail to bind. A piped
    /// session itself binds by value: the cmdlets' other by-value parameters take module types
    /// (tokens, ACL entries) that a session is not, so PowerShell never confuses the two.
    /// </summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MaskedConversion(typeof(PveSession))]
    public PveSession? Session { get; set; }

    protected sealed override void Process()
    {
        PveSession session = ResolveSession(Session);
        try
        {
            ProcessRecordCore(session);
        }
        catch (System.Exception e) when (ErrorMapper.Handles(e))
        {
            WriteError(MapError(e, null, session));
        }
    }

    /// <summary>Per-record work against <paramref name="session"/>.</summary>
    protected abstract void ProcessRecordCore(PveSession session);
}
