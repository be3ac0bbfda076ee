// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Closes sessions (the default one when none is given) and removes them from the runspace; when
/// the default goes, the session that was the default before it becomes the default again.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "PveServer")]
public sealed class DisconnectPveServerCommand : PveCmdletBase
{
    /// <summary>Gets or sets the sessions to close; the default session when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [MaskedConversion(typeof(PveSession[]))]
    [ValidateNotNull]
    public PveSession[] Session { get; set; } = Array.Empty<PveSession>();

    protected override void Process()
    {
        SessionRegistry.RunspaceSessions sessions = SessionRegistry.Current;
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(Session)))
        {
            PveSession? current = sessions.Default;
            if (current is null)
            {
                // Not terminating: a Disconnect in a finally block must not hide the error that got there.
                WriteError(ErrorMapper.NoSession());
                return;
            }

            Session = new[] { current };
        }

        foreach (PveSession session in Session)
        {
            WriteVerbose($"Closing the session of {session.Identity} on {session.Server}.");
            sessions.Remove(session);
            session.Close();
        }
    }
}
