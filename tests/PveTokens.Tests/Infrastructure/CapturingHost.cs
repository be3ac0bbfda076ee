using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PveTokens.Tests.Infrastructure;

/// <summary>
/// The PowerShell host of <see cref="PowerShellHost"/>: records what cmdlets write to the host (the
/// -WhatIf lines of ShouldProcess go there, not to any stream), the confirmation prompts, and copies
/// of the progress records (a cmdlet may reuse one record, so the stream alone would show its last
/// state). A prompt is answered with <see cref="PromptAnswer"/>; when that is null it fails, as in a
/// non-interactive session.
/// </summary>
public sealed class CapturingHost : PSHost
{
    private readonly CapturingUI _ui = new();

    public override string Name => "PveTokens.Tests";

    public override Version Version => new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>The label of the choice every confirmation prompt gets ("Yes", "No", …); null: prompts fail.</summary>
    public string? PromptAnswer
    {
        get => _ui.Answer;
        set => _ui.Answer = value;
    }

    /// <summary>Takes (and forgets) what was recorded since the last call.</summary>
    internal (List<string> Lines, List<string> Prompts, List<ProgressRecord> Progress) Take() => _ui.Take();

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class CapturingUI : PSHostUserInterface
    {
        private readonly object _lock = new();
        private List<string> _lines = new();
        private List<string> _prompts = new();
        private List<ProgressRecord> _progress = new();
        private string _partial = string.Empty;

        public string? Answer { get; set; }

        public override PSHostRawUserInterface? RawUI => null;

        public (List<string>, List<string>, List<ProgressRecord>) Take()
        {
            lock (_lock)
            {
                var taken = (_lines, _prompts, _progress);
                _lines = new();
                _prompts = new();
                _progress = new();
                return taken;
            }
        }

        public override void Write(string value)
        {
            lock (_lock)
            {
                _partial += value;
            }
        }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            lock (_lock)
            {
                _lines.Add(_partial + value);
                _partial = string.Empty;
            }
        }

        public override void WriteErrorLine(string value) => WriteLine(value);

        // Debug, verbose and warning text is read from the streams; here it would only be noise.
        public override void WriteDebugLine(string message)
        {
        }

        public override void WriteVerboseLine(string message)
        {
        }

        public override void WriteWarningLine(string message)
        {
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            lock (_lock)
            {
                _progress.Add(new ProgressRecord(record.ActivityId, record.Activity, record.StatusDescription)
                {
                    PercentComplete = record.PercentComplete,
                    RecordType = record.RecordType,
                });
            }
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            string answer = Answer ?? throw new NotSupportedException("No prompts in tests unless PromptAnswer is set.");
            lock (_lock)
            {
                _prompts.Add(caption + ": " + message);
            }

            for (int i = 0; i < choices.Count; i++)
            {
                if (string.Equals(choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal), answer, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return defaultChoice;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("No prompts in tests.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("No prompts in tests.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("No prompts in tests.");

        public override string ReadLine() => throw new NotSupportedException("No input in tests.");

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("No input in tests.");
    }
}
