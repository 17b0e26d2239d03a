package dev.revisor.shell.internal.control;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * A {@link CommandProcessor} mock whose sessions run a {@link Command} given by the test. It stands in for the
 * Gogo runtime only in what the server relies on: createSession(in, out, err), execute, format, close.
 * The real runtime is exercised by the Pax Exam itests.
 * <p>
 * With {@code pipeThreads}, a command runs on a thread of its own while execute() waits for it, and close()
 * interrupts that thread, as Gogo 1.1 does (JobImpl.start waits; CommandSessionImpl.close calls
 * executor.shutdownNow()). Otherwise it runs on the caller's thread.
 */
final class FakeGogo {
    /** What a command line does, writing to the session's streams. */
    @FunctionalInterface
    interface Command {
        Object run(String line, PrintStream out, PrintStream err, InputStream in) throws Exception;
    }

    static final String PIPE_THREAD = "fake-gogo-pipe";

    final CommandProcessor processor = mock(CommandProcessor.class);
    final List<CommandSession> sessions = new CopyOnWriteArrayList<>();
    final List<Thread> pipes = new CopyOnWriteArrayList<>();

    FakeGogo(Command command) {
        this(command, false);
    }

    FakeGogo(Command command, boolean pipeThreads) {
        when(processor.createSession(any(InputStream.class), any(OutputStream.class), any(OutputStream.class)))
                .thenAnswer(create -> {
                    InputStream in = create.getArgument(0);
                    PrintStream out = create.getArgument(1);
                    PrintStream err = create.getArgument(2);
                    List<Thread> mine = new CopyOnWriteArrayList<>();
                    CommandSession session = mock(CommandSession.class);
                    when(session.execute(any())).thenAnswer(execute -> {
                        String line = execute.getArgument(0).toString();
                        if (!pipeThreads) {
                            return command.run(line, out, err, in);
                        }
                        FutureTask<Object> task = new FutureTask<>(() -> command.run(line, out, err, in));
                        Thread pipe = new Thread(task, PIPE_THREAD);
                        mine.add(pipe);
                        pipes.add(pipe);
                        pipe.start();
                        try {
                            return task.get();
                        } catch (ExecutionException e) {
                            throw e.getCause();
                        }
                    });
                    doAnswer(close -> {
                        mine.forEach(Thread::interrupt);
                        return null;
                    }).when(session).close();
                    when(session.format(any(), anyInt())).thenAnswer(format -> {
                        int level = format.getArgument(1);
                        return (level == Converter.INSPECT ? "inspect:" : "level " + level + ":") + format.getArgument(0);
                    });
                    sessions.add(session);
                    return session;
                });
    }
}
