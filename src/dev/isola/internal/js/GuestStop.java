package dev.isola.internal.js;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.ExecutionEventNode;
import com.oracle.truffle.api.instrumentation.SourceSectionFilter;
import com.oracle.truffle.api.instrumentation.StandardTags.RootTag;
import com.oracle.truffle.api.instrumentation.TruffleInstrument;
import org.jspecify.annotations.Nullable;

/**
 * Makes every JavaScript guest stoppable: a Truffle instrument on each function's entry and exit
 * that ends the guest's run, out of the guest's reach, once the run is stopped or its stack has
 * overflowed.
 *
 * <p>Why it exists. {@code Context.close(true)} cancels through a safepoint action that throws
 * where the thread next polls; without the Graal JIT, GraalJS polls on loop back-edges and on a
 * function's <em>normal</em> return, and it lets a JavaScript {@code catch} or {@code finally}
 * handle a Java {@code StackOverflowError}. So {@code const f = () => { try { f() } catch (e) { f()
 * } }} never loops and never returns normally: every call ends in a stack overflow that its caller
 * catches and answers with another call, a tree of some 2<sup>depth</sup> calls, all at the edge of
 * the stack. The cancel is never thrown, and {@code close(true)} waits for the thread for ever.
 * Where the action does run, at the edge of the stack, its own frames overflow; the overflow is
 * caught by the guest and the action is lost. Worse, Java code of the engine that runs at the edge
 * can overflow between taking a lock and releasing it, leaving the lock held for good.
 *
 * <p>What it does. The run of a guest on a thread is a {@link Run}, set with {@link #enter} while
 * the guest runs. At every function entry and exit of that thread, the instrument throws {@link
 * Stop} when the run is {@linkplain Run#stop() stopped}; and when a {@code StackOverflowError}
 * leaves a function, it stops the run itself: <b>a stack overflow ends the call</b>, it is never
 * handed to the guest as a catchable {@code RangeError}, so the guest cannot keep running at the
 * edge of the stack. {@code Stop} is a preallocated {@code ThreadDeath}, as Truffle's own cancel
 * exception is, which no JavaScript {@code catch} handles, and has no stack trace, so throwing it
 * takes almost no stack; a {@code finally} that calls a function meets it again at that function's
 * entry. The guest unwinds at once.
 *
 * <p>The binding is attached when the instrument is created, with its engine, before any guest
 * runs: attaching later would instrument the loaded code while guests run, some of them at the
 * edge of their stacks. Its cost is a thread-local read at each function entry and exit.
 */
public final class GuestStop extends TruffleInstrument {
  static final String ID = "isola-guest-stop";

  /** What a stopped run throws. Not a guest error: JavaScript cannot catch it. */
  @SuppressWarnings("removal") // the same base as Truffle's own cancel exception
  static final class Stop extends ThreadDeath {
    private static final long serialVersionUID = 1L;

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // preallocated and stackless: throwing it must not need stack
    }
  }

  private static final Stop STOP = new Stop();
  private static final ThreadLocal<@Nullable Run> CURRENT = new ThreadLocal<>();

  /** One guest run on one thread: stopped from any thread, checked on its own. */
  public static final class Run {
    private volatile boolean stopped;
    private volatile boolean overflowed;

    /** Ends the run at its next function entry or exit. */
    public void stop() {
      stopped = true;
    }

    /** Whether the run's stack overflowed (which ended it). */
    public boolean overflowed() {
      return overflowed;
    }
  }

  /** Marks {@code run} as the current thread's guest run until {@link #exit()}. */
  static void enter(Run run) {
    CURRENT.set(run);
  }

  /** Ends the current thread's guest run. */
  static void exit() {
    CURRENT.remove();
  }

  @TruffleBoundary
  private static void check() {
    Run run = CURRENT.get();
    if (run != null && run.stopped) {
      throw STOP;
    }
  }

  @TruffleBoundary
  private static void checkExit(Throwable exception) {
    Run run = CURRENT.get();
    if (run == null) {
      return;
    }
    if (exception instanceof StackOverflowError) {
      run.overflowed = true;
      run.stopped = true;
    }
    if (run.stopped) {
      throw STOP;
    }
  }

  @Override
  protected void onCreate(Env env) {
    env.getInstrumenter().attachExecutionEventFactory(
        SourceSectionFilter.newBuilder().tagIs(RootTag.class).includeInternal(true).build(),
        context -> new ExecutionEventNode() {
          @Override
          protected void onEnter(VirtualFrame frame) {
            check();
          }

          @Override
          protected void onReturnValue(VirtualFrame frame, Object result) {
            check();
          }

          @Override
          protected void onReturnExceptional(VirtualFrame frame, Throwable exception) {
            checkExit(exception);
          }
        });
    env.registerService(new Control());
  }

  /** The instrument's service: looking it up creates the instrument, and with it the binding. */
  public static final class Control {
    Control() {
    }
  }
}
