# rnnviz in a container: `make docker` builds it; deploy/compose.yaml runs replicas of it behind HAProxy.
# One container is one Streamlit server process (size it with the README's sizing rule).
FROM python:3.11-slim

# No browser in the image: PNG/SVG downloads are drawn by plotly.js in the user's browser, with its fonts.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The CPU build of torch, at the version requirements.txt pins (the default build pulls GBs of CUDA
# libraries), then the other requirements (torch is already satisfied). The library runs from /app.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements.txt ./
RUN pip install --index-url "$TORCH_INDEX_URL" "$(grep -E '^torch==' requirements.txt)" \
    && grep -vE '^(-e|torch==)' requirements.txt > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY .streamlit/ .streamlit/
COPY app.py pyproject.toml ./
COPY app_pages/ app_pages/
COPY assets/ assets/
COPY rnnviz/ rnnviz/

RUN useradd --create-home --uid 10001 rnnviz
USER rnnviz

# Training runs trained at once by this process (default: its cores; set it to the CPU limit in Kubernetes).
# ENV RNNVIZ_TRAINING_SLOTS=2
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(r.read().strip() != b'ok')"]

# 0.0.0.0 inside the container only: the container's port is published (or balanced) by compose/Kubernetes.
CMD ["python", "-m", "streamlit", "run", "app.py", \
     "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", \
     "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
